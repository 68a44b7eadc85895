// The simulated fleet's container output: appends a line of a training run's progress every second, in the CRI
// log format kubelets keep (`<RFC3339Nano> stdout F <line>`), to the file kwok serves as every simulated
// container's log (ClusterLogs in the stack's kwok configuration). Each pod's log is read from its start
// (`sinceTime`), so it shows the lines written while it ran, through the API server's real log endpoint.
import { appendFileSync, statSync, writeFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: workload-log-writer.mjs <file>');
  process.exit(2);
}
// A new file at each start keeps it small (about 8 MB a day of running).
writeFileSync(file, '');
let step = 0;
const write = () => {
  step += 1;
  const loss = (2.5 * Math.exp(-step / 3000) + 0.1 * Math.random()).toFixed(4);
  const line = `epoch ${Math.floor(step / 500)} step ${step} loss ${loss} lr 3.0e-04 gpu_util ${90 + (step % 10)}%`;
  appendFileSync(file, `${new Date().toISOString().replace('Z', '000000Z')} stdout F ${line}\n`);
  if (step % 3600 === 0 && statSync(file).size > 64 * 1024 * 1024) writeFileSync(file, '');
};
write();
setInterval(write, 1000);
