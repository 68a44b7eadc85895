/** What benchmarks may use of the gateway (`bench/console`): the console's built files, as the gateway serves them. */
export { ConsoleFiles } from './console/console-files';
