import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isPortOpen, ManagedProcess, waitFor } from '../process-control';
import { LOOPBACK, StackPaths, StackPorts } from '../stack-paths';
import { ComponentStatus, StackComponent } from '../components/component';
import { binary, ensureKubernetesBinaries, KubernetesVersions } from './kubernetes-binaries';
import { KubeRest } from './kube-rest';
import { ClusterPki, ensureClusterPki } from './pki';
import { ensureDefaultFleet } from '../fleet/apply-fleet';

/**
 * A real Kubernetes control plane on loopback — etcd, kube-apiserver (client-certificate authentication, RBAC),
 * kube-controller-manager and kube-scheduler, all built from source — with kwok playing the kubelets of a
 * simulated GPU fleet. Writes .stack/kubeconfig and puts kubectl and helm in .stack/bin/.
 */
export class KubernetesComponent implements StackComponent {
  readonly name = 'kubernetes';
  private readonly dir = path.join(StackPaths.stateDir, 'kubernetes');
  private readonly kubeconfigFile = path.join(this.dir, 'admin.kubeconfig');
  private readonly processes = {
    etcd: this.managed('etcd'),
    apiserver: this.managed('kube-apiserver'),
    controllerManager: this.managed('kube-controller-manager'),
    scheduler: this.managed('kube-scheduler'),
    kwok: this.managed('kwok'),
    workloadLog: this.managed('workload-log-writer'),
  };

  server(): string {
    return `https://${LOOPBACK}:${StackPorts.kubeApiserver}`;
  }

  env(): Record<string, string> {
    return { KUBECONFIG: path.join(StackPaths.checkoutStackDir, 'kubeconfig') };
  }

  async up(): Promise<void> {
    ensureKubernetesBinaries();
    const pki = ensureClusterPki(path.join(this.dir, 'pki'));
    this.writeKubeconfigs(pki);
    await this.startEtcd();
    await this.startApiserver(pki);
    await this.startControllerManager(pki);
    await this.startScheduler();
    await this.startKwok(pki);
    this.linkTools();
    const rest = this.rest(pki);
    try {
      await ensureDefaultFleet(rest);
    } finally {
      rest.close();
    }
  }

  async down(): Promise<void> {
    const { workloadLog, kwok, scheduler, controllerManager, apiserver, etcd } = this.processes;
    for (const process of [workloadLog, kwok, scheduler, controllerManager, apiserver, etcd]) {
      await process.stop();
    }
  }

  async status(): Promise<ComponentStatus> {
    const address = this.server();
    const down = Object.entries(this.processes)
      .filter(([, process]) => !process.isRunning())
      .map(([name]) => name);
    if (down.length > 0 || !existsSync(path.join(this.dir, 'pki', 'admin.crt'))) {
      return {
        name: this.name,
        running: false,
        address,
        version: '-',
        detail: `not running: ${down.join(', ') || 'all'}`,
      };
    }
    const rest = this.rest(ensureClusterPki(path.join(this.dir, 'pki')));
    try {
      const version = await rest.expect<{ gitVersion: string }>('GET', '/version');
      const nodes = await rest.expect<{ items: unknown[] }>(
        'GET',
        '/api/v1/nodes?labelSelector=gridex.io%2Fpool',
      );
      return {
        name: this.name,
        running: true,
        address,
        version: `Kubernetes ${version.gitVersion}, etcd ${KubernetesVersions.etcd}, kwok ${KubernetesVersions.kwok}`,
        detail: `${nodes.items.length} GPU nodes`,
      };
    } catch (error) {
      return { name: this.name, running: false, address, version: '-', detail: (error as Error).message };
    } finally {
      rest.close();
    }
  }

  private managed(name: string): ManagedProcess {
    return new ManagedProcess(
      name,
      path.join(this.dir, `${name}.pid`),
      path.join(this.dir, 'logs', `${name}.log`),
    );
  }

  /** Whether the running process was started with this configuration (flags and the files they name). */
  private startedWith(name: string, configuration: readonly string[]): boolean {
    const file = path.join(this.dir, `${name}.started.sha256`);
    return existsSync(file) && readFileSync(file, 'utf8') === hashOf(configuration);
  }

  private rememberStart(name: string, configuration: readonly string[]): void {
    writeFileSync(path.join(this.dir, `${name}.started.sha256`), hashOf(configuration));
  }

  private rest(pki: ClusterPki): KubeRest {
    return new KubeRest(this.server(), {
      caCert: pki.caCert,
      clientCert: pki.adminCert,
      clientKey: pki.adminKey,
    });
  }

  private async startEtcd(): Promise<void> {
    const { etcd } = this.processes;
    if (etcd.isRunning() && (await isPortOpen(LOOPBACK, StackPorts.etcd))) return;
    await this.refuseForeignPort('etcd', StackPorts.etcd);
    const client = `http://${LOOPBACK}:${StackPorts.etcd}`;
    const peer = `http://${LOOPBACK}:${StackPorts.etcdPeer}`;
    etcd.start(binary('etcd'), [
      '--name=gridex',
      `--data-dir=${path.join(this.dir, 'etcd')}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=gridex=${peer}`,
      '--quota-backend-bytes=8589934592',
      '--auto-compaction-retention=1',
      // A development stack: losing the last writes on a power cut is fine; fsync on every write is not.
      '--unsafe-no-fsync',
      '--log-level=warn',
    ]);
    await waitFor('etcd', () => this.httpOk(`${client}/health`), { logFile: etcd.logFile });
    console.log(`etcd: started ${KubernetesVersions.etcd} on ${client}`);
  }

  private async startApiserver(pki: ClusterPki): Promise<void> {
    const { apiserver } = this.processes;
    const args = [
      `--etcd-servers=http://${LOOPBACK}:${StackPorts.etcd}`,
      '--etcd-prefix=/registry',
      `--bind-address=${LOOPBACK}`,
      `--advertise-address=${LOOPBACK}`,
      `--secure-port=${StackPorts.kubeApiserver}`,
      `--tls-cert-file=${pki.apiserverCert}`,
      `--tls-private-key-file=${pki.apiserverKey}`,
      `--client-ca-file=${pki.caCert}`,
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      '--authorization-mode=Node,RBAC',
      '--service-cluster-ip-range=10.96.0.0/16',
      '--endpoint-reconciler-type=none',
      '--allow-privileged=true',
      // Thousands of simulated nodes heartbeat through one API server on two cores.
      '--max-requests-inflight=1000',
      '--max-mutating-requests-inflight=500',
      '--watch-cache-sizes=nodes#10000,pods#20000',
      // Container logs are read through the node's kubelet endpoint: kwok's, at the node's InternalIP.
      '--kubelet-preferred-address-types=InternalIP',
      '--profiling=false',
    ];
    // A running API server started with other flags (an older checkout's) is restarted with these.
    const running = apiserver.isRunning() && (await isPortOpen(LOOPBACK, StackPorts.kubeApiserver));
    if (running && !this.startedWith('kube-apiserver', args)) {
      console.log('kube-apiserver: flags changed, restarting');
      await apiserver.stop();
    }
    if (!(apiserver.isRunning() && (await isPortOpen(LOOPBACK, StackPorts.kubeApiserver)))) {
      await this.refuseForeignPort('kube-apiserver', StackPorts.kubeApiserver);
      apiserver.start(binary('kube-apiserver'), args);
      this.rememberStart('kube-apiserver', args);
    }
    const rest = this.rest(pki);
    try {
      await waitFor(
        'kube-apiserver to be ready',
        async () => (await rest.call('GET', '/readyz')).status === 200,
        { timeoutMs: 120_000, logFile: apiserver.logFile },
      );
    } finally {
      rest.close();
    }
    console.log(`kube-apiserver: ready, v${KubernetesVersions.kubernetes} on ${this.server()}`);
  }

  private async startControllerManager(pki: ClusterPki): Promise<void> {
    const { controllerManager } = this.processes;
    const args = [
      `--kubeconfig=${this.kubeconfigFile}`,
      `--bind-address=${LOOPBACK}`,
      `--secure-port=${StackPorts.kubeControllerManager}`,
      '--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics',
      `--root-ca-file=${pki.caCert}`,
      `--service-account-private-key-file=${pki.serviceAccountKey}`,
      '--leader-elect=false',
      '--kube-api-qps=500',
      '--kube-api-burst=1000',
      `--node-monitor-grace-period=${FLEET_LIVENESS.graceSeconds}s`,
      `--node-monitor-period=${FLEET_LIVENESS.monitorPeriodSeconds}s`,
      // Finished pods are kept for inspection until there are many (the default keeps 12,500).
      '--terminated-pod-gc-threshold=5000',
    ];
    // One started with other flags (an older checkout's) is restarted with these.
    if (controllerManager.isRunning()) {
      if (this.startedWith('kube-controller-manager', args)) return;
      console.log('kube-controller-manager: flags changed, restarting');
      await controllerManager.stop();
    }
    controllerManager.start(binary('kube-controller-manager'), args);
    this.rememberStart('kube-controller-manager', args);
    await waitFor('kube-controller-manager', () => this.httpsOk(StackPorts.kubeControllerManager), {
      logFile: controllerManager.logFile,
    });
  }

  private async startScheduler(): Promise<void> {
    const { scheduler } = this.processes;
    if (scheduler.isRunning()) return;
    const config = path.join(this.dir, 'kube-scheduler.yaml');
    writeFileSync(
      config,
      [
        'apiVersion: kubescheduler.config.k8s.io/v1',
        'kind: KubeSchedulerConfiguration',
        'clientConnection:',
        `  kubeconfig: ${this.kubeconfigFile}`,
        // The default (50 QPS) would make the scheduler's own API calls the bottleneck of the benchmark.
        `  qps: ${SCHEDULER_QPS}`,
        `  burst: ${SCHEDULER_QPS * 2}`,
        'leaderElection:',
        '  leaderElect: false',
        '',
      ].join('\n'),
    );
    scheduler.start(binary('kube-scheduler'), [
      `--config=${config}`,
      `--bind-address=${LOOPBACK}`,
      `--secure-port=${StackPorts.kubeScheduler}`,
      '--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics',
    ]);
    await waitFor('kube-scheduler', () => this.httpsOk(StackPorts.kubeScheduler), {
      logFile: scheduler.logFile,
    });
  }

  private async startKwok(pki: ClusterPki): Promise<void> {
    const { kwok, workloadLog } = this.processes;
    // The stages are copied into the stack's state, so that the checkout kwok was started from (CI clones, the
    // main working copy) is not part of its configuration: only what the stages say is.
    const stages = path.join(this.dir, 'gridex-kwok-stages.yaml');
    writeFileSync(stages, readFileSync(path.resolve(__dirname, 'gridex-kwok-stages.yaml')));
    // Every simulated container's log is the file the log writer appends to (served by kwok as a kubelet).
    const logFile = path.join(this.dir, 'simulated-workload.log');
    const logsConfig = path.join(this.dir, 'kwok-logs.yaml');
    writeFileSync(
      logsConfig,
      [
        'apiVersion: kwok.x-k8s.io/v1alpha1',
        'kind: ClusterLogs',
        'metadata:',
        '  name: gridex-simulated-workloads',
        'spec:',
        '  logs:',
        `  - logsFile: ${logFile}`,
        '    follow: true',
        '',
      ].join('\n'),
    );
    if (!workloadLog.isRunning()) {
      workloadLog.start(process.execPath, [path.resolve(__dirname, 'workload-log-writer.mjs'), logFile]);
    }
    const args = [
      `--kubeconfig=${this.kubeconfigFile}`,
      `--config=${stages}`,
      `--config=${logsConfig}`,
      '--manage-all-nodes=false',
      '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      // A 600 s lease renewed every 150 s (FLEET_LIVENESS says why), with the controller-manager's grace to match.
      `--node-lease-duration-seconds=${FLEET_LIVENESS.leaseSeconds}`,
      '--cidr=10.244.0.0/16',
      // The nodes' kubelet endpoint is kwok's own server (HTTP and HTTPS on one port): the API server reaches
      // it there for container logs.
      `--node-ip=${LOOPBACK}`,
      `--node-port=${StackPorts.kwok}`,
      `--server-address=${LOOPBACK}:${StackPorts.kwok}`,
      // At INFO kwok logs every lease renewal: gigabytes a day with a large fleet.
      '--v=WARN',
    ];
    // kwok reads its configuration only at start: when it (or its flags) changed since, restart it.
    const configuration = [...args, readFileSync(stages, 'utf8'), readFileSync(logsConfig, 'utf8')];
    if (kwok.isRunning()) {
      if (this.startedWith('kwok', configuration)) return;
      console.log('kwok: configuration changed, restarting');
      await kwok.stop();
    }
    // Each kwok instance holds its nodes' leases under an identity of its own and takes over another's only once
    // it expires: up to a whole lease (600 s) in which no pod on those nodes would start. Whatever instance held
    // them (the one just stopped, or one that died with the machine's last session) is gone, so its leases are
    // released; the new one creates its own at once, well within the controller-manager's grace period.
    const rest = this.rest(pki);
    try {
      await rest.expect('DELETE', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases');
    } finally {
      rest.close();
    }
    kwok.start(binary('kwok'), args);
    this.rememberStart('kwok', configuration);
    await waitFor('kwok', () => this.httpOk(`http://${LOOPBACK}:${StackPorts.kwok}/healthz`), {
      logFile: kwok.logFile,
    });
  }

  private writeKubeconfigs(pki: ClusterPki): void {
    const base64 = (file: string) => readFileSync(file).toString('base64');
    const kubeconfig = [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: gridex-local',
      '  cluster:',
      `    server: ${this.server()}`,
      `    certificate-authority-data: ${base64(pki.caCert)}`,
      'users:',
      '- name: gridex-admin',
      '  user:',
      `    client-certificate-data: ${base64(pki.adminCert)}`,
      `    client-key-data: ${base64(pki.adminKey)}`,
      'contexts:',
      '- name: gridex-local',
      '  context:',
      '    cluster: gridex-local',
      '    user: gridex-admin',
      'current-context: gridex-local',
      '',
    ].join('\n');
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(this.kubeconfigFile, kubeconfig, { mode: 0o600 });
    mkdirSync(StackPaths.checkoutStackDir, { recursive: true });
    writeFileSync(path.join(StackPaths.checkoutStackDir, 'kubeconfig'), kubeconfig, { mode: 0o600 });
  }

  private linkTools(): void {
    const binDir = path.join(StackPaths.checkoutStackDir, 'bin');
    mkdirSync(binDir, { recursive: true });
    for (const tool of ['kubectl', 'helm'] as const) {
      const link = path.join(binDir, tool);
      rmSync(link, { force: true });
      symlinkSync(binary(tool), link);
    }
  }

  private async refuseForeignPort(what: string, port: number): Promise<void> {
    if (await isPortOpen(LOOPBACK, port)) {
      throw new Error(`${what}: port ${port} is taken by a process this stack did not start`);
    }
  }

  private async httpOk(url: string): Promise<boolean> {
    try {
      return (await fetch(url, { signal: AbortSignal.timeout(1000) })).ok;
    } catch {
      return false;
    }
  }

  // The scheduler and controller-manager serve /healthz over HTTPS with a self-signed certificate.
  private async httpsOk(port: number): Promise<boolean> {
    const { request } = await import('node:https');
    return new Promise((resolve) => {
      const req = request(
        { host: LOOPBACK, port, path: '/healthz', rejectUnauthorized: false, timeout: 1000 },
        (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        },
      );
      req.on('error', () => resolve(false));
      req.on('timeout', () => req.destroy());
      req.end();
    });
  }
}

/** Lease of a simulated node; see the kwok flags. */
/**
 * How the simulated fleet shows it is alive, and how soon a node that falls silent is noticed: kwok renews each
 * node's lease every quarter of `leaseSeconds`; kube-controller-manager checks every `monitorPeriodSeconds` and marks
 * a node whose lease was last renewed more than `graceSeconds` ago NotReady (so within grace + period of its last
 * renewal). The status heartbeat's period is in the kwok stages.
 *
 * Real kubelets renew a 40 s lease every 10 s against a 50 s grace. Every renewal is an API write (about 4 ms of CPU
 * across the API server, etcd, kwok and the controller-manager here), so the local fleet stretches the three by the
 * same factor (15), as kwokctl's `--heartbeat-factor` does: 5,000 nodes renew 33 times a second instead of 500,
 * and a silent node is still NotReady within 12.75 minutes of its last renewal (after 5 missed renewals of 150 s, as
 * a real kubelet's after 5 of 10 s).
 */
export const FLEET_LIVENESS = { leaseSeconds: 600, monitorPeriodSeconds: 15, graceSeconds: 750 } as const;

/** kube-scheduler's client QPS (and burst = 2×), stated in the cluster benchmark. */
export const SCHEDULER_QPS = 500;

function hashOf(configuration: readonly string[]): string {
  return createHash('sha256').update(configuration.join('\0')).digest('hex');
}
