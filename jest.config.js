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
  .filter((configFile) => existsSync(configFile));

module.exports = { projects };
