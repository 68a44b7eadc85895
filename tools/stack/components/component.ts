/** What `stack:status` reports for one component. */
export interface ComponentStatus {
  name: string;
  running: boolean;
  address: string;
  version: string;
  detail?: string;
}

/** One piece of the local stack. `up` is idempotent: a running component is left as it is. */
export interface StackComponent {
  readonly name: string;
  /** Installs or downloads what is missing (cached), then starts the component unless it already runs. */
  up(): Promise<void>;
  down(): Promise<void>;
  status(): Promise<ComponentStatus>;
  /** Variables written to .stack/env for services and tests. */
  env(): Record<string, string>;
}
