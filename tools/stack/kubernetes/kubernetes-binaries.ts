import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { run } from '../process-control';
import { StackPaths } from '../stack-paths';

/**
 * Pinned versions of the control plane, built from source through the Go module proxy (no prebuilt binary is
 * downloaded from anywhere). Kubernetes 1.35 pairs with etcd 3.6; kwok 0.8 needs Go 1.26.
 */
export const KubernetesVersions = {
  kubernetes: '1.35.4',
  /** The published twins of the Kubernetes staging modules for {@link kubernetes}. */
  staging: '0.35.4',
  etcd: '3.6.16',
  kwok: '0.8.0',
  helm: '3.22.0',
};

// k8s.io/kubernetes requires its staging modules at v0.0.0 with replace directives pointing into its own tree, so
// it cannot be `go install`ed; a wrapper module replaces each with its published twin.
const STAGING_MODULES = [
  'api',
  'apiextensions-apiserver',
  'apimachinery',
  'apiserver',
  'cli-runtime',
  'client-go',
  'cloud-provider',
  'cluster-bootstrap',
  'code-generator',
  'component-base',
  'component-helpers',
  'controller-manager',
  'cri-api',
  'cri-client',
  'csi-translation-lib',
  'dynamic-resource-allocation',
  'endpointslice',
  'externaljwt',
  'kms',
  'kube-aggregator',
  'kube-controller-manager',
  'kube-proxy',
  'kube-scheduler',
  'kubectl',
  'kubelet',
  'metrics',
  'mount-utils',
  'pod-security-admission',
  'sample-apiserver',
  'sample-cli-plugin',
  'sample-controller',
];

export type KubernetesBinary =
  'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kubectl' | 'kwok' | 'helm';

const versionKey = () =>
  `k8s-${KubernetesVersions.kubernetes}-etcd-${KubernetesVersions.etcd}-kwok-${KubernetesVersions.kwok}-helm-${KubernetesVersions.helm}`;

/** Directory of the cached binaries for the pinned versions. */
export function kubernetesBinDir(): string {
  return path.join(StackPaths.cacheDir, versionKey(), 'bin');
}

export function binary(name: KubernetesBinary): string {
  return path.join(kubernetesBinDir(), name);
}

/** Builds whatever binary is missing; a second call with everything cached returns at once. */
export function ensureKubernetesBinaries(): void {
  const binDir = kubernetesBinDir();
  const buildRoot = path.dirname(binDir);
  const wanted: KubernetesBinary[] = [
    'etcd',
    'kube-apiserver',
    'kube-controller-manager',
    'kube-scheduler',
    'kubectl',
    'kwok',
    'helm',
  ];
  const missing = wanted.filter((name) => !existsSync(binary(name)));
  if (missing.length === 0) return;

  const started = Date.now();
  console.log(
    `kubernetes: building ${missing.join(', ')} from the Go module proxy (first time only, several minutes) ...`,
  );
  mkdirSync(binDir, { recursive: true });
  const go = (args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) =>
    run('go', args, { cwd, env: { ...process.env, GOFLAGS: '-mod=mod', CGO_ENABLED: '0', ...env } });
  const timed = (what: string, build: () => void) => {
    const t = Date.now();
    build();
    console.log(`kubernetes: built ${what} in ${((Date.now() - t) / 1000).toFixed(0)} s`);
  };

  const kubernetesTools = missing.filter((name) => name.startsWith('kube'));
  if (kubernetesTools.length > 0) {
    const dir = path.join(buildRoot, 'src', 'kubernetes');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'go.mod'),
      [
        'module gridex.local/stack/kubernetes',
        '',
        'go 1.26',
        '',
        `require k8s.io/kubernetes v${KubernetesVersions.kubernetes}`,
        '',
        'replace (',
        ...STAGING_MODULES.map((name) => `\tk8s.io/${name} => k8s.io/${name} v${KubernetesVersions.staging}`),
        ')',
        '',
      ].join('\n'),
    );
    writeFileSync(
      path.join(dir, 'tools.go'),
      `//go:build tools\n\npackage tools\n\nimport (\n${kubernetesTools
        .map((name) => `\t_ "k8s.io/kubernetes/cmd/${name}"`)
        .join('\n')}\n)\n`,
    );
    const [major, minor] = KubernetesVersions.kubernetes.split('.');
    // Without the stamp, /version reports v0.0.0-master and clients warn about version skew.
    const ldflags = [
      `-X k8s.io/component-base/version.gitVersion=v${KubernetesVersions.kubernetes}`,
      `-X k8s.io/component-base/version.gitMajor=${major}`,
      `-X k8s.io/component-base/version.gitMinor=${minor}`,
      `-X k8s.io/client-go/pkg/version.gitVersion=v${KubernetesVersions.kubernetes}`,
      '-s -w',
    ].join(' ');
    timed(kubernetesTools.join(', '), () => {
      go(['mod', 'tidy'], dir);
      go(
        [
          'build',
          '-trimpath',
          '-ldflags',
          ldflags,
          '-o',
          `${binDir}/`,
          ...kubernetesTools.map((name) => `k8s.io/kubernetes/cmd/${name}`),
        ],
        dir,
      );
    });
  }

  if (missing.includes('etcd')) {
    // etcd's server module also carries replace directives, so it too is built from a wrapper module.
    const dir = path.join(buildRoot, 'src', 'etcd');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'go.mod'),
      `module gridex.local/stack/etcd\n\ngo 1.26\n\nrequire go.etcd.io/etcd/server/v3 v${KubernetesVersions.etcd}\n`,
    );
    writeFileSync(
      path.join(dir, 'tools.go'),
      '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n',
    );
    timed('etcd', () => {
      go(['mod', 'tidy'], dir);
      go(
        [
          'build',
          '-trimpath',
          '-ldflags',
          '-s -w',
          '-o',
          path.join(binDir, 'etcd'),
          'go.etcd.io/etcd/server/v3',
        ],
        dir,
      );
    });
  }
  if (missing.includes('kwok')) {
    timed('kwok', () =>
      go(['install', '-trimpath', `sigs.k8s.io/kwok/cmd/kwok@v${KubernetesVersions.kwok}`], buildRoot, {
        GOBIN: binDir,
      }),
    );
  }
  if (missing.includes('helm')) {
    timed('helm', () =>
      go(['install', '-trimpath', `helm.sh/helm/v3/cmd/helm@v${KubernetesVersions.helm}`], buildRoot, {
        GOBIN: binDir,
      }),
    );
  }
  console.log(
    `kubernetes: control plane built in ${((Date.now() - started) / 1000).toFixed(0)} s, cached in ${binDir}`,
  );
}
