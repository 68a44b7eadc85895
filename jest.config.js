// Every project's tests in one run: `npm test` brings up the stack first, then runs this.
const { readdirSync, existsSync } = require('node:fs');
const path = require('node:path');

const projects = ['apps', 'libs', 'bench']
  .flatMap((dir) =>
    existsSync(path.join(__dirname, dir))
      ? readdirSync(path.join(__dirname, dir)).map((name) =>
          path.join(__dirname, dir, name, 'jest.config.js'),
        )
      : [],
  )
  .concat(path.join(__dirname, 'tools', 'jest.config.js'))
  .filter((configFile) => existsSync(configFile));

module.exports = {
  projects,
  // Integration tests wait on Kafka group joins and real processes. This must be set here: Jest ignores a
  // per-project testTimeout when it runs several projects.
  testTimeout: 60_000,
};
