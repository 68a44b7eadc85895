import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { isPortOpen, run, waitFor } from '../process-control';
import { LOOPBACK, StackPaths, StackPorts } from '../stack-paths';
import { ComponentStatus, StackComponent } from './component';

const DATABASE = 'gridex';
const USER = 'gridex';
const PASSWORD = 'gridex';

/**
 * PostgreSQL from Debian's packages, on a data directory of the stack's own (not the packaged cluster), so the
 * stack never touches a system database. PostgreSQL refuses to run as root, so when the stack is started by root
 * the server runs as the `postgres` user that the Debian package creates.
 */
export class PostgresComponent implements StackComponent {
  readonly name = 'postgres';
  private readonly dir = path.join(StackPaths.stateDir, 'postgres');
  private readonly dataDir = path.join(this.dir, 'data');
  private readonly logFile = path.join(this.dir, 'postgres.log');

  url(): string {
    return `postgres://${USER}:${PASSWORD}@${LOOPBACK}:${StackPorts.postgres}/${DATABASE}`;
  }

  env(): Record<string, string> {
    return { DATABASE_URL: this.url() };
  }

  async up(): Promise<void> {
    const running = this.serverPid() !== undefined && (await isPortOpen(LOOPBACK, StackPorts.postgres));
    if (running && !this.writeSettings()) {
      console.log(`postgres: already running on ${LOOPBACK}:${StackPorts.postgres}`);
      return;
    }
    if (running) {
      // Settings such as shared_preload_libraries take effect only at start; clients reconnect.
      console.log('postgres: settings changed, restarting');
      await this.down();
    } else if (await isPortOpen(LOOPBACK, StackPorts.postgres)) {
      throw new Error(`postgres: port ${StackPorts.postgres} is taken by a process this stack did not start`);
    }
    const bin = this.binDir();
    this.initialise(bin);
    this.writeSettings();
    run(
      ...this.asServerUser(path.join(bin, 'pg_ctl'), [
        '-D',
        this.dataDir,
        '-l',
        this.logFile,
        '-w',
        '-t',
        '60',
        'start',
      ]),
    );
    await waitFor('postgres to accept connections', () => this.canQuery(), { logFile: this.logFile });
    await this.createDatabase();
    console.log(`postgres: started on ${LOOPBACK}:${StackPorts.postgres} (data in ${this.dataDir})`);
  }

  async down(): Promise<void> {
    if (this.serverPid() === undefined) return;
    // "fast" shutdown: open client pools (tests, services) do not hold the server up.
    run(
      ...this.asServerUser(path.join(this.binDir(), 'pg_ctl'), [
        '-D',
        this.dataDir,
        '-m',
        'fast',
        '-w',
        'stop',
      ]),
    );
  }

  /** The postmaster's pid from its own pid file, when that process is alive. */
  private serverPid(): number | undefined {
    const pidFile = path.join(this.dataDir, 'postmaster.pid');
    if (!existsSync(pidFile)) return undefined;
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    try {
      process.kill(pid, 0);
      return pid;
    } catch {
      return undefined;
    }
  }

  async status(): Promise<ComponentStatus> {
    const address = `${LOOPBACK}:${StackPorts.postgres}`;
    const client = new Client({ connectionString: this.url(), connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
      return { name: this.name, running: true, address, version: `PostgreSQL ${rows[0].server_version}` };
    } catch (error) {
      return { name: this.name, running: false, address, version: '-', detail: (error as Error).message };
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** The newest installed PostgreSQL server; installs Debian's `postgresql` package when there is none. */
  private binDir(): string {
    const found = () =>
      existsSync('/usr/lib/postgresql')
        ? readdirSync('/usr/lib/postgresql')
            .filter((version) => existsSync(path.join('/usr/lib/postgresql', version, 'bin', 'postgres')))
            .sort((a, b) => Number(b) - Number(a))
        : [];
    if (found().length === 0) {
      if (process.getuid?.() !== 0) {
        throw new Error(
          'postgres: no PostgreSQL server installed; run `sudo apt-get install -y postgresql` once',
        );
      }
      console.log('postgres: installing Debian package postgresql ...');
      run('apt-get', ['update', '-q']);
      run('apt-get', ['install', '-y', '-q', 'postgresql'], {
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
    }
    const [newest] = found();
    if (newest === undefined)
      throw new Error('postgres: installation did not provide /usr/lib/postgresql/*/bin');
    return path.join('/usr/lib/postgresql', newest, 'bin');
  }

  private initialise(bin: string): void {
    mkdirSync(this.dir, { recursive: true });
    this.giveToServerUser(this.dir);
    if (existsSync(path.join(this.dataDir, 'PG_VERSION'))) return;
    const passwordFile = path.join(this.dir, 'initdb-password');
    writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
    this.giveToServerUser(passwordFile);
    run(
      ...this.asServerUser(path.join(bin, 'initdb'), [
        '-D',
        this.dataDir,
        '-U',
        USER,
        `--pwfile=${passwordFile}`,
        '--auth-host=scram-sha-256',
        '--auth-local=trust',
        '-E',
        'UTF8',
        '--locale=C.UTF-8',
      ]),
    );
  }

  /** Writes the server's settings; returns whether they differ from what the data directory had. */
  private writeSettings(): boolean {
    const socketDir = path.join(this.dir, 'run');
    mkdirSync(socketDir, { recursive: true });
    this.giveToServerUser(socketDir);
    const file = path.join(this.dataDir, 'postgresql.auto.conf');
    const settings = [
      `listen_addresses = '${LOOPBACK}'`,
      `port = ${StackPorts.postgres}`,
      `unix_socket_directories = '${socketDir}'`,
      // Six services, the outbox relays and parallel test workers each hold a pool.
      'max_connections = 400',
      'shared_buffers = 256MB',
      // A local development stack: a crash may lose the last few hundred milliseconds of commits, never
      // corrupt data. Production settings belong to the operator's PostgreSQL, not to this stack.
      'synchronous_commit = off',
      "log_min_messages = 'warning'",
      // Statement counts per query, which bench:e2e reads to show what one job costs the database.
      "shared_preload_libraries = 'pg_stat_statements'",
      '',
    ].join('\n');
    if (existsSync(file) && readFileSync(file, 'utf8') === settings) return false;
    writeFileSync(file, settings);
    this.giveToServerUser(file);
    return true;
  }

  /** A client of the maintenance database `postgres`, which exists before ours is created. */
  private maintenanceClient(): Client {
    return new Client({
      host: LOOPBACK,
      port: StackPorts.postgres,
      user: USER,
      password: PASSWORD,
      database: 'postgres',
      connectionTimeoutMillis: 1000,
    });
  }

  private async canQuery(): Promise<boolean> {
    const client = this.maintenanceClient();
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private async createDatabase(): Promise<void> {
    const client = this.maintenanceClient();
    await client.connect();
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
      if (rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
    } finally {
      await client.end();
    }
  }

  private isRoot(): boolean {
    return process.getuid?.() === 0;
  }

  private asServerUser(command: string, args: string[]): [string, string[]] {
    return this.isRoot() ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  }

  private giveToServerUser(file: string): void {
    if (!this.isRoot()) return;
    const uid = Number(run('id', ['-u', 'postgres']).trim());
    const gid = Number(run('id', ['-g', 'postgres']).trim());
    chownSync(file, uid, gid);
  }
}
