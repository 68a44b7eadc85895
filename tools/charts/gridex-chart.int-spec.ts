import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { uniqueSuffix } from '@gridex/testing';

/**
 * The Helm chart against the real tools and API server of the local stack: lint, server-side dry runs of every
 * scenario, the decisions that matter (security contexts, RBAC, the config checksum, the values schema), and
 * an install that makes every Deployment Available on the simulated nodes, then an uninstall.
 */
const root = path.resolve(__dirname, '..', '..');
const chart = path.join(root, 'charts', 'gridex');
const scenarios = readdirSync(path.join(chart, 'ci')).filter((f) => f.endsWith('-values.yaml'));
const env = { ...process.env, KUBECONFIG: path.join(root, '.stack', 'kubeconfig') };
/** `helm template` renders for this version (the local control plane's) instead of its old default. */
const KUBE_VERSION = '1.35.4';
const tool = (name: 'helm' | 'kubectl') => path.join(root, '.stack', 'bin', name);

function run(name: 'helm' | 'kubectl', args: string[], input?: string) {
  const result = spawnSync(tool(name), args, { env, input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

type K8sObject = {
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  [k: string]: unknown;
};

/** `helm template` of release `gx` into `namespace`, as YAML. */
function template(args: string[], namespace = 'gridex') {
  return run('helm', [
    'template',
    'gx',
    chart,
    '--kube-version',
    KUBE_VERSION,
    '--namespace',
    namespace,
    ...args,
  ]);
}

function render(args: string[] = []): K8sObject[] {
  const result = template(args);
  if (result.status !== 0) throw new Error(result.stderr);
  // kubectl reads the YAML (no API server involved) and writes each object back as JSON, one after another.
  const parsed = run('kubectl', ['create', '--dry-run=client', '-o', 'json', '-f', '-'], result.stdout);
  if (parsed.status !== 0) throw new Error(parsed.stderr);
  return parsed.stdout
    .split(/\n(?=\{)/)
    .filter((text) => text.trim() !== '')
    .map((text) => JSON.parse(text) as K8sObject);
}

type PodSpec = {
  securityContext: Record<string, unknown>;
  containers: Array<{ securityContext: Record<string, unknown>; resources: Record<string, unknown> }>;
  initContainers?: Array<{ securityContext: Record<string, unknown>; resources: Record<string, unknown> }>;
  volumes?: Array<Record<string, unknown>>;
};
const podSpecOf = (o: K8sObject) => (o.spec as { template: { spec: PodSpec } }).template.spec;

describe('the gridex Helm chart', () => {
  it.each(scenarios)('lints %s strictly', (scenario) => {
    const result = run('helm', ['lint', chart, '--strict', '-f', path.join(chart, 'ci', scenario)]);
    expect([result.status, result.stderr]).toEqual([0, '']);
  });

  describe('on the local API server', () => {
    const namespace = `gridex-chart-${uniqueSuffix()}`.toLowerCase().slice(0, 50);
    beforeAll(() => {
      expect(
        run('kubectl', ['apply', '-f', path.join(__dirname, 'fixtures', 'monitoring-crds.yaml')]).status,
      ).toBe(0);
      expect(run('kubectl', ['create', 'namespace', namespace]).status).toBe(0);
    });
    afterAll(() => {
      run('kubectl', ['delete', 'namespace', namespace, '--wait=false']);
    });

    it.each(scenarios)('accepts every object of %s (server-side dry run)', (scenario) => {
      const manifest = template(['-f', path.join(chart, 'ci', scenario)], namespace);
      expect(manifest.status).toBe(0);
      const applied = run(
        'kubectl',
        ['apply', '--dry-run=server', '-n', namespace, '-f', '-'],
        manifest.stdout,
      );
      expect([applied.status, applied.stderr]).toEqual([0, '']);
      expect(applied.stdout).toMatch(/deployment.apps\/gx-gridex-gateway created \(server dry run\)/);
    });

    it('installs the minimal scenario: every Deployment becomes Available, and uninstall removes it', () => {
      const release = 'gxmin';
      const install = run('helm', [
        'install',
        release,
        chart,
        '--namespace',
        namespace,
        '-f',
        path.join(chart, 'ci', 'minimal-values.yaml'),
        // The simulated nodes run no containers: kwok completes the migration pod after this delay.
        '--set-string',
        'migrations.podAnnotations.pod-complete\\.stage\\.kwok\\.x-k8s\\.io/delay=1s',
        '--wait',
        '--timeout',
        '180s',
      ]);
      expect([install.status, install.stderr]).toEqual([0, '']);
      expect(install.stdout).toContain('kubectl -n');
      const deployments = JSON.parse(
        run('kubectl', [
          'get',
          'deployments',
          '-n',
          namespace,
          '-l',
          `app.kubernetes.io/instance=${release}`,
          '-o',
          'json',
        ]).stdout,
      ) as {
        items: Array<{
          metadata: { name: string };
          status: { conditions?: Array<{ type: string; status: string }> };
        }>;
      };
      expect(deployments.items.map((d) => d.metadata.name).sort()).toEqual(
        ['billing', 'gateway', 'inventory', 'matching', 'orchestrator-local', 'rewards'].map(
          (s) => `${release}-gridex-${s}`,
        ),
      );
      for (const d of deployments.items) {
        expect([d.metadata.name, d.status.conditions?.find((c) => c.type === 'Available')?.status]).toEqual([
          d.metadata.name,
          'True',
        ]);
      }
      expect(run('helm', ['uninstall', release, '--namespace', namespace, '--wait']).status).toBe(0);
      const left = run('kubectl', [
        'get',
        'deployments,services,configmaps,serviceaccounts',
        '-n',
        namespace,
        '-l',
        `app.kubernetes.io/instance=${release}`,
        '-o',
        'name',
      ]);
      expect(left.stdout.trim()).toBe('');
      expect(run('kubectl', ['get', 'clusterrole', `${release}-gridex-orchestrator-local`]).status).not.toBe(
        0,
      );
    });
  });

  it('keeps the kustomize base equal to the rendered chart, and the tenant namespace example valid', () => {
    const rendered = run('helm', [
      'template',
      'gridex',
      chart,
      '--namespace',
      'gridex',
      '--kube-version',
      KUBE_VERSION,
    ]);
    expect(rendered.stdout).toBe(readFileSync(path.join(root, 'k8s', 'base', 'gridex.yaml'), 'utf8'));
    expect(run('kubectl', ['kustomize', path.join(root, 'k8s', 'base')]).status).toBe(0);
    const example = run('kubectl', [
      // Checked against the API server's schema; a server-side run would need the namespace to exist first.
      'apply',
      '--dry-run=client',
      '--validate=strict',
      '-f',
      path.join(root, 'k8s', 'examples', 'tenant-namespace.yaml'),
    ]);
    expect([example.status, example.stderr]).toEqual([0, '']);
  });

  it('runs every pod restricted: non-root, no privilege escalation, all capabilities dropped, read-only root, limits set', () => {
    const workloads = render([
      '-f',
      path.join(chart, 'ci', 'production-values.yaml'),
      '--set',
      'migrations.enabled=true',
    ]).filter((o) => o.kind === 'Deployment' || o.kind === 'Job');
    expect(workloads.length).toBe(7);
    for (const workload of workloads) {
      const spec = podSpecOf(workload);
      expect(spec.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      for (const container of [...spec.containers, ...(spec.initContainers ?? [])]) {
        expect(container.securityContext).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
        expect(container.resources).toHaveProperty('limits.memory');
      }
      expect(JSON.stringify(spec.volumes ?? [])).not.toContain('hostPath');
    }
  });

  it('grants the orchestrator only what it calls, and nobody else any Kubernetes API access', () => {
    const objects = render();
    const roles = objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role');
    expect(roles.map((r) => r.metadata.name)).toEqual(['gx-gridex-orchestrator-local']);
    const rules = (
      roles[0] as unknown as { rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }> }
    ).rules;
    const granted = rules.flatMap((r) =>
      r.resources.flatMap((res) => r.verbs.map((v) => `${r.apiGroups[0]}/${res}:${v}`)),
    );
    expect(granted).not.toContainEqual(
      expect.stringMatching(/\*|secrets|:update|:patch|escalate|bind|impersonate/),
    );
    expect(granted).toContain('/nodes:watch');
    expect(granted).not.toContain('/nodes:create');
    for (const account of objects.filter(
      (o) => o.kind === 'ServiceAccount' && !o.metadata.name.includes('orchestrator'),
    )) {
      expect(
        (account as unknown as { automountServiceAccountToken: boolean }).automountServiceAccountToken,
      ).toBe(false);
    }
    // A remote cluster's orchestrator uses its kubeconfig: no role in this cluster.
    const multi = render(['-f', path.join(chart, 'ci', 'multicluster-values.yaml')]);
    expect(multi.filter((o) => o.kind === 'ClusterRole').map((o) => o.metadata.name)).toEqual([
      'gx-gridex-orchestrator-local',
    ]);
    expect(
      multi.filter((o) => o.kind === 'Deployment' && o.metadata.name.includes('orchestrator')),
    ).toHaveLength(3);
  });

  it('rolls a service when its configuration changes, and only then', () => {
    const checksum = (args: string[], name: string) =>
      (
        render(args).find((o) => o.kind === 'Deployment' && o.metadata.name === name)?.spec as {
          template: { metadata: { annotations: Record<string, string> } };
        }
      ).template.metadata.annotations['checksum/config'];
    const base = checksum([], 'gx-gridex-billing');
    expect(checksum([], 'gx-gridex-billing')).toBe(base);
    expect(
      checksum(['--set', 'services.billing.env.BILLING_INVOICE_PERIOD=week'], 'gx-gridex-billing'),
    ).not.toBe(base);
    expect(checksum(['--set', 'services.billing.replicas=5'], 'gx-gridex-billing')).toBe(base);
    const orchestrator = checksum([], 'gx-gridex-orchestrator-local');
    expect(checksum(['--set', 'orchestrator.env.KUBE_QPS=50'], 'gx-gridex-orchestrator-local')).not.toBe(
      orchestrator,
    );
  });

  it("gives the first cluster's orchestrator the networks, from their Secret, with the operators' timings", () => {
    type Env = Array<{ name: string; value?: string; valueFrom?: { secretKeyRef: { name: string } } }>;
    const envOf = (objects: K8sObject[]) =>
      podSpecOf(
        objects.find(
          (o) => o.kind === 'Deployment' && o.metadata.name === 'gx-gridex-orchestrator-local',
        ) as K8sObject,
      ).containers[0] as unknown as { env: Env };
    expect(envOf(render()).env.map((e) => e.name)).not.toContain('NETWORKS');
    const { env } = envOf(
      render(['--set', 'networks.existingSecret=gx-networks', '--set', 'networks.statusPollMs=250']),
    );
    expect(env).toEqual(
      expect.arrayContaining([
        { name: 'NETWORKS', valueFrom: { secretKeyRef: { name: 'gx-networks', key: 'networks.json' } } },
        { name: 'NETWORK_STATUS_POLL_MS', value: '250' },
        { name: 'NETWORK_START_TIMEOUT_SECONDS', value: '300' },
      ]),
    );
  });

  it("provisions the topic layout before migrating, with an instance's own names throughout the hook", () => {
    type Container = { name: string; args?: string[]; env: Array<{ name: string; value?: string }> };
    const hook = (args: string[] = []) => {
      const job = render(args).find((o) => o.kind === 'Job') as K8sObject;
      const spec = podSpecOf(job) as unknown as { initContainers: Container[]; containers: Container[] };
      return [...spec.initContainers, ...spec.containers];
    };
    const value = (container: Container, name: string) => container.env.find((e) => e.name === name)?.value;
    const [topics, ...migrations] = hook();
    expect([topics.name, topics.args]).toEqual(['topics', ['--provision-topics']]);
    expect(value(topics, 'GRIDEX_INSTANCE')).toBeUndefined();
    expect(migrations.map((c) => value(c, 'DATABASE_SCHEMA'))).toEqual(migrations.map((c) => c.name));
    const [peerTopics, ...peerMigrations] = hook(['--set', 'instance=peer']);
    expect(value(peerTopics, 'GRIDEX_INSTANCE')).toBe('peer');
    for (const container of peerMigrations) {
      expect([value(container, 'GRIDEX_INSTANCE'), value(container, 'DATABASE_SCHEMA')]).toEqual([
        'peer',
        `peer_${container.name}`,
      ]);
    }
    expect(hook(['--set', 'kafka.provisionTopics=false']).map((c) => c.name)).not.toContain('topics');
  });

  it.each<[string, string[], RegExp]>([
    ['an unknown key', ['--set', 'gatewy.port=1'], /additional properties 'gatewy' not allowed/],
    ['a malformed broker list', ['--set', 'kafka.brokers=kafka'], /kafka\.brokers|\/kafka\/brokers/],
    ['running as root', ['--set', 'podSecurityContext.runAsNonRoot=false'], /runAsNonRoot/],
    [
      'privilege escalation',
      ['--set', 'securityContext.allowPrivilegeEscalation=true'],
      /allowPrivilegeEscalation/,
    ],
    ['no GPU cluster', ['--set', 'orchestrator.clusters=null'], /clusters/],
    ['a service port below 1024', ['--set', 'services.gateway.port=80'], /port/],
    ['a network poll faster than 100 ms', ['--set', 'networks.statusPollMs=10'], /statusPollMs/],
  ])('refuses %s with a message naming it', (_case, args, message) => {
    const result = run('helm', ['template', 'gx', chart, '--kube-version', KUBE_VERSION, ...args]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(message);
  });
});
