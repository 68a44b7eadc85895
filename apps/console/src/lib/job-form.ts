/**
 * The submit form as the API sees it: the form's text fields become a job spec, checked against the request
 * schema of `POST /v1/jobs` in the API's own OpenAPI document (the gateway generates it from the zod schemas it
 * validates with), so the form refuses what the API would refuse, with the same limits.
 */

/** The subset of JSON Schema the job spec uses. */
export interface FieldSchema {
  type?: string | string[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  enum?: readonly unknown[];
  items?: FieldSchema;
  minItems?: number;
  maxItems?: number;
  anyOf?: FieldSchema[];
  description?: string;
}

export interface ObjectSchema {
  properties: Record<string, FieldSchema>;
  required?: string[];
}

export interface FieldError {
  field: string;
  message: string;
}

/** What the form holds: text as typed. */
export interface JobForm {
  name: string;
  image: string;
  command: string;
  gpuProducts: string;
  gpusPerNode: string;
  nodes: string;
  minGpuMemoryGb: string;
  regions: string;
  interconnect: string;
  maxPricePerGpuHour: string;
  expectedDurationSeconds: string;
  /** `key=value`, one per line: labels the job carries to its pods. */
  annotations: string;
  interruptible: boolean;
  networks: 'local' | 'any';
}

export const EMPTY_JOB_FORM: JobForm = {
  name: '',
  image: '',
  command: '',
  gpuProducts: '',
  gpusPerNode: '1',
  nodes: '1',
  minGpuMemoryGb: '',
  regions: '',
  interconnect: '',
  maxPricePerGpuHour: '',
  expectedDurationSeconds: '3600',
  annotations: '',
  interruptible: false,
  networks: 'local',
};

/** The request schema of `POST /v1/jobs` in an OpenAPI document. */
export function jobSpecSchemaOf(document: {
  paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>>;
}): ObjectSchema {
  const schema = document.paths['/v1/jobs']?.post?.requestBody?.content['application/json']?.schema;
  if (!schema || typeof schema !== 'object' || !('properties' in schema)) {
    throw new Error('the OpenAPI document has no request schema for POST /v1/jobs');
  }
  return schema as ObjectSchema;
}

const list = (text: string) =>
  text
    .split(/[,\s]+/)
    .map((item) => item.trim())
    .filter(Boolean);

/** Whole numbers stay text when they are not whole numbers, so the schema check names them. */
const integer = (text: string): number | string | undefined => {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  return /^-?\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
};

/** `key=value` lines as an object; a line without `=` keeps its text as the key, for the schema to refuse. */
function annotationsOf(text: string): Record<string, string> | undefined {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  if (lines.length === 0) return undefined;
  return Object.fromEntries(
    lines.map((line) => {
      const at = line.indexOf('=');
      return at < 0 ? [line, ''] : [line.slice(0, at).trim(), line.slice(at + 1).trim()];
    }),
  );
}

/** The job spec the form describes (empty optional fields are left out, as the API's defaults apply). */
export function jobSpecFromForm(form: JobForm): Record<string, unknown> {
  const spec: Record<string, unknown> = {
    image: form.image.trim(),
    gpusPerNode: integer(form.gpusPerNode),
    maxPricePerGpuHour: form.maxPricePerGpuHour.trim(),
    expectedDurationSeconds: integer(form.expectedDurationSeconds),
    nodes: integer(form.nodes),
    minGpuMemoryGb: integer(form.minGpuMemoryGb),
    name: form.name.trim() || undefined,
    // One argument per line: arguments may contain spaces.
    command: form.command.trim()
      ? form.command
          .split('\n')
          .map((line) => line.trim())
          .filter(Boolean)
      : undefined,
    gpuProducts: list(form.gpuProducts).length > 0 ? list(form.gpuProducts) : undefined,
    regions: list(form.regions).length > 0 ? list(form.regions) : undefined,
    interconnect: form.interconnect || undefined,
    annotations: annotationsOf(form.annotations),
    interruptible: form.interruptible,
    networks: form.networks,
  };
  return Object.fromEntries(Object.entries(spec).filter(([, value]) => value !== undefined && value !== ''));
}

function typeOf(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (Number.isInteger(value)) return 'integer';
  return typeof value;
}

function accepts(type: string | string[] | undefined, value: unknown): boolean {
  if (type === undefined) return true;
  const actual = typeOf(value);
  return (Array.isArray(type) ? type : [type]).some(
    (wanted) => wanted === actual || (wanted === 'number' && actual === 'integer'),
  );
}

function check(field: string, schema: FieldSchema, value: unknown): FieldError[] {
  if (schema.anyOf) {
    const each = schema.anyOf.map((option) => check(field, option, value));
    return each.some((errors) => errors.length === 0) ? [] : (each[0] ?? []);
  }
  if (!accepts(schema.type, value)) {
    const wanted = schema.type === 'integer' ? 'a whole number' : `a ${String(schema.type)}`;
    return [{ field, message: `must be ${wanted}` }];
  }
  if (schema.enum && !schema.enum.includes(value)) {
    return [{ field, message: `must be one of ${schema.enum.join(', ')}` }];
  }
  const errors: FieldError[] = [];
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum)
      errors.push({ field, message: `must be at least ${schema.minimum}` });
    if (schema.maximum !== undefined && value > schema.maximum)
      errors.push({ field, message: `must be at most ${schema.maximum}` });
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength)
      errors.push({
        field,
        message: schema.minLength === 1 ? 'is required' : `needs ${schema.minLength}+ characters`,
      });
    if (schema.maxLength !== undefined && value.length > schema.maxLength)
      errors.push({ field, message: `must be at most ${schema.maxLength} characters` });
    if (schema.pattern !== undefined && value.length > 0 && !new RegExp(schema.pattern).test(value))
      errors.push({
        field,
        message: schema.description ? `is not valid: ${schema.description}` : 'is not valid',
      });
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems)
      errors.push({ field, message: `needs at least ${schema.minItems}` });
    if (schema.maxItems !== undefined && value.length > schema.maxItems)
      errors.push({ field, message: `takes at most ${schema.maxItems}` });
    const items = schema.items;
    if (items) {
      for (const item of value) {
        for (const error of check(field, items, item)) {
          errors.push({ field, message: `${JSON.stringify(item)} ${error.message}` });
        }
      }
    }
  }
  return errors;
}

/** Every field of `spec` the schema refuses, and every required field missing; empty when the API would accept it. */
export function validateJobSpec(schema: ObjectSchema, spec: Record<string, unknown>): FieldError[] {
  const missing = (schema.required ?? [])
    .filter((field) => spec[field] === undefined || spec[field] === '')
    .map((field) => ({ field, message: 'is required' }));
  const refused = Object.entries(spec).flatMap(([field, value]) => {
    const property = schema.properties[field];
    if (!property) return [{ field, message: 'is not a field of a job' }];
    return check(field, property, value);
  });
  const missingFields = new Set(missing.map((error) => error.field));
  return [...missing, ...refused.filter((error) => !missingFields.has(error.field))];
}
