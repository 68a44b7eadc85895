/**
 * Before a test run: removes the topics, schemas and namespaces that test instances of earlier runs left on the
 * local stack (a run killed before its `afterAll`), so the broker's partitions do not grow run after run.
 */
import { sweepTestInstances } from './test-instances';

sweepTestInstances()
  .then(({ topics, schemas, namespaces }) =>
    console.log(
      `stack: removed ${topics} topic(s), ${schemas} schema(s), ${namespaces} namespace(s) left by earlier test runs`,
    ),
  )
  .catch((error: unknown) => {
    console.error(
      `stack: sweeping earlier test runs failed: ${error instanceof Error ? error.message : error}`,
    );
    process.exit(1);
  });
