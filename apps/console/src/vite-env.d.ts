/// <reference types="vite/client" />

declare module 'virtual:job-spec-schema' {
  import type { ObjectSchema } from './lib/job-form';
  /** The request schema of `POST /v1/jobs`, from the SDK's OpenAPI document at build time. */
  const schema: ObjectSchema;
  export default schema;
}
