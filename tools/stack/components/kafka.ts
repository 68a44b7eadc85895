import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Admin } from '@platformatic/kafka';
import { ensureTopicLayout } from '@gridex/kafka-client';
import { isPortOpen, ManagedProcess, run, waitFor } from '../process-control';
import { LOOPBACK, StackPaths, StackPorts } from '../stack-paths';
import { ComponentStatus, StackComponent } from './component';

/**
 * Kafka 4.2, the newest release `@platformatic/kafka` is tested against (its CI runs Confluent Platform up to
 * 8.2, which is Apache Kafka 4.2). Brokers of 4.x need Java 17, which the machine has.
 */
const KAFKA_VERSION = '4.2.2';
/** The Log4j 2 binding for SLF4J 1.7 (what the POM declares) that the release tarball ships but the POM does not. */
const LOGGING_ARTIFACTS = [
  ['org.apache.logging.log4j', 'log4j-slf4j-impl', '2.25.3'],
  ['org.apache.logging.log4j', 'log4j-core', '2.25.3'],
];

/**
 * Apache Kafka in KRaft mode (one node acting as broker and controller), run straight from its Maven Central
 * jars with the machine's Java 17: no tarball, no container. The jars are cached under ~/.cache/gridex.
 */
export class KafkaComponent implements StackComponent {
  readonly name = 'kafka';
  private readonly libDir = path.join(StackPaths.cacheDir, `kafka-${KAFKA_VERSION}`, 'libs');
  private readonly dir = path.join(StackPaths.stateDir, 'kafka');
  private readonly dataDir = path.join(this.dir, 'data');
  /** The version the broker in `dir` was formatted and started with. */
  private readonly versionFile = path.join(this.dir, 'version');
  private readonly process = new ManagedProcess(
    'kafka',
    path.join(this.dir, 'kafka.pid'),
    path.join(this.dir, 'kafka.log'),
  );

  brokers(): string {
    return `${LOOPBACK}:${StackPorts.kafka}`;
  }

  env(): Record<string, string> {
    return { KAFKA_BROKERS: this.brokers() };
  }

  async up(): Promise<void> {
    const formattedWith = existsSync(this.versionFile) ? readFileSync(this.versionFile, 'utf8').trim() : '';
    const running = this.process.isRunning() && (await isPortOpen(LOOPBACK, StackPorts.kafka));
    if (running && formattedWith === KAFKA_VERSION) {
      console.log(`kafka: already running on ${this.brokers()}`);
      await this.createTopics();
      return;
    }
    if (formattedWith !== KAFKA_VERSION && existsSync(this.dataDir)) {
      // A local broker's data is disposable (tests and the demo create what they need), and starting the new
      // version from empty storage is what a fresh machine does: both start the same way.
      console.log(
        `kafka: ${formattedWith || 'an older version'} → ${KAFKA_VERSION}: starting from empty storage`,
      );
      if (running) await this.process.stop(30_000);
      rmSync(this.dataDir, { recursive: true, force: true });
    }
    if (await isPortOpen(LOOPBACK, StackPorts.kafka)) {
      throw new Error(`kafka: port ${StackPorts.kafka} is taken by a process this stack did not start`);
    }
    this.download();
    this.configure();
    const classpath = `${this.libDir}/*`;
    const log4j = `-Dlog4j2.configurationFile=${path.join(this.dir, 'log4j2.properties')}`;
    if (!existsSync(path.join(this.dataDir, 'meta.properties'))) {
      // The tool prints the id as its last line (logging may come before it).
      const clusterId = run('java', ['-cp', classpath, 'kafka.tools.StorageTool', 'random-uuid'])
        .trim()
        .split('\n')
        .slice(-1)[0];
      run('java', [
        '-cp',
        classpath,
        log4j,
        'kafka.tools.StorageTool',
        'format',
        '-t',
        clusterId,
        '-c',
        path.join(this.dir, 'server.properties'),
        '--ignore-formatted',
      ]);
    }
    this.process.start('java', [
      '-Xms256m',
      '-Xmx768m',
      '-XX:+UseG1GC',
      '-Djava.awt.headless=true',
      log4j,
      '-cp',
      classpath,
      'kafka.Kafka',
      path.join(this.dir, 'server.properties'),
    ]);
    await waitFor('kafka to answer metadata requests', () => this.canDescribeCluster(), {
      timeoutMs: 90_000,
      logFile: this.process.logFile,
    });
    writeFileSync(this.versionFile, `${KAFKA_VERSION}\n`);
    await this.createTopics();
    console.log(`kafka: started ${KAFKA_VERSION} on ${this.brokers()} (data in ${this.dataDir})`);
  }

  async down(): Promise<void> {
    await this.process.stop(30_000);
  }

  async status(): Promise<ComponentStatus> {
    const running = this.process.isRunning() && (await this.canDescribeCluster());
    return {
      name: this.name,
      running,
      address: this.brokers(),
      version: `Apache Kafka ${KAFKA_VERSION} (KRaft)`,
      ...(running
        ? {}
        : { detail: existsSync(this.process.logFile) ? `log: ${this.process.logFile}` : 'not started' }),
    };
  }

  /** Resolves the broker's runtime jars from Maven Central once; later runs find them in the cache. */
  private download(): void {
    const marker = path.join(this.libDir, '.complete');
    if (existsSync(marker)) return;
    const started = Date.now();
    console.log(`kafka: resolving org.apache.kafka:kafka_2.13:${KAFKA_VERSION} from Maven Central ...`);
    const projectDir = path.dirname(this.libDir);
    mkdirSync(projectDir, { recursive: true });
    const dependency = ([group, artifact, version]: string[]) =>
      `<dependency><groupId>${group}</groupId><artifactId>${artifact}</artifactId><version>${version}</version></dependency>`;
    writeFileSync(
      path.join(projectDir, 'pom.xml'),
      `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>io.gridex.stack</groupId><artifactId>kafka-runtime</artifactId><version>${KAFKA_VERSION}</version>
  <packaging>pom</packaging>
  <dependencies>
    ${[['org.apache.kafka', 'kafka_2.13', KAFKA_VERSION], ...LOGGING_ARTIFACTS].map(dependency).join('\n    ')}
  </dependencies>
</project>
`,
    );
    run(
      'mvn',
      [
        '-q',
        '-B',
        'dependency:copy-dependencies',
        '-DincludeScope=runtime',
        `-DoutputDirectory=${this.libDir}`,
      ],
      {
        cwd: projectDir,
      },
    );
    const jars = readdirSync(this.libDir).filter((file) => file.endsWith('.jar'));
    if (!jars.includes(`kafka_2.13-${KAFKA_VERSION}.jar`)) {
      throw new Error(`kafka: Maven did not provide kafka_2.13-${KAFKA_VERSION}.jar in ${this.libDir}`);
    }
    writeFileSync(marker, `${jars.length} jars\n`);
    console.log(
      `kafka: ${jars.length} jars cached in ${this.libDir} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
  }

  private configure(): void {
    mkdirSync(this.dataDir, { recursive: true });
    const settings: Record<string, string | number> = {
      'process.roles': 'broker,controller',
      'node.id': 1,
      'controller.quorum.voters': `1@${LOOPBACK}:${StackPorts.kafkaController}`,
      listeners: `PLAINTEXT://${LOOPBACK}:${StackPorts.kafka},CONTROLLER://${LOOPBACK}:${StackPorts.kafkaController}`,
      'advertised.listeners': `PLAINTEXT://${LOOPBACK}:${StackPorts.kafka}`,
      'controller.listener.names': 'CONTROLLER',
      'inter.broker.listener.name': 'PLAINTEXT',
      'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      'log.dirs': this.dataDir,
      'num.partitions': 1,
      'offsets.topic.replication.factor': 1,
      'offsets.topic.num.partitions': 10,
      'transaction.state.log.replication.factor': 1,
      'transaction.state.log.min.isr': 1,
      // Without this every consumer-group join waits 3 s for more members: slow tests, slow restarts.
      'group.initial.rebalance.delay.ms': 0,
      // Topics are created deliberately (stack:up, test helpers), so a typo in a topic name fails loudly.
      'auto.create.topics.enable': 'false',
      'log.retention.hours': 24,
      'log.segment.bytes': 64 * 1024 * 1024,
    };
    writeFileSync(
      path.join(this.dir, 'server.properties'),
      `${Object.entries(settings)
        .map(([key, value]) => `${key}=${value}`)
        .join('\n')}\n`,
    );
    writeFileSync(
      path.join(this.dir, 'log4j2.properties'),
      [
        'appender.stdout.type = Console',
        'appender.stdout.name = STDOUT',
        'appender.stdout.layout.type = PatternLayout',
        'appender.stdout.layout.pattern = [%d] %p %m (%c)%n',
        'rootLogger.level = WARN',
        'rootLogger.appenderRef.stdout.ref = STDOUT',
        'logger.server.name = kafka.server.KafkaRaftServer',
        'logger.server.level = INFO',
        '',
      ].join('\n'),
    );
  }

  /** Fails fast: the stack polls while the broker starts. */
  private admin(): Admin {
    return new Admin({
      clientId: 'gridex-stack',
      bootstrapBrokers: [this.brokers()],
      autocreateTopics: false,
      retries: 0,
      connectTimeout: 1000,
      timeout: 5000,
    });
  }

  private async canDescribeCluster(): Promise<boolean> {
    const admin = this.admin();
    try {
      const cluster = await admin.metadata({ topics: [], forceUpdate: true });
      return cluster.brokers.size > 0;
    } catch {
      return false;
    } finally {
      await admin.close().catch(() => undefined);
    }
  }

  /** Every topic of the default exchange's layout, with its dead-letter twin; existing topics are left alone. */
  private async createTopics(): Promise<void> {
    const admin = new Admin({
      clientId: 'gridex-stack',
      bootstrapBrokers: [this.brokers()],
      autocreateTopics: false,
    });
    try {
      const created = await ensureTopicLayout(admin, '');
      if (created.length > 0) console.log(`kafka: created ${created.length} topics`);
    } finally {
      await admin.close();
    }
  }
}
