import { z } from 'zod';

/** Identifier of a Gridex entity (tenant, supplier, job, ...): letters, digits, `-`, `_`, `.`, `:`. */
export const IdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be 1-128 characters of letters, digits, . _ : -')
  .describe('Identifier: 1-128 characters of letters, digits, . _ : -');

/** Region label, as in `topology.kubernetes.io/region`. */
export const RegionSchema = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a lower-case region label such as eu-west')
  .describe('Region, as the node label topology.kubernetes.io/region');

/** GPU product, as in the `nvidia.com/gpu.product` node label (e.g. `NVIDIA-H100-80GB-HBM3`). */
export const GpuProductSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'must be a GPU product label such as NVIDIA-H100-80GB-HBM3')
  .describe('GPU product, as the node label nvidia.com/gpu.product');

/** How a node's GPUs talk to each other and to other nodes. */
export const InterconnectSchema = z
  .enum(['nvlink', 'infiniband', 'pcie'])
  .describe('GPU interconnect fabric: nvlink, infiniband or pcie');

/** On-demand work runs until done; interruptible work is cheaper and may be preempted by on-demand work. */
export const TierSchema = z.enum(['on-demand', 'interruptible']).describe('on-demand or interruptible');

/** What kind of supplier offers the capacity. */
export const SupplierKindSchema = z
  .enum(['datacenter', 'individual', 'network'])
  .describe(
    'datacenter (racks), individual (home GPUs) or network (an external network reached through an adapter)',
  );

/** Another compute network the exchange routes to (an id of the `NETWORKS` configuration). */
export const NetworkIdSchema = IdSchema.describe(
  'Another compute network Gridex routes to (an id of its NETWORKS configuration)',
);

/**
 * Where a job may run: `local` only on Gridex's own suppliers, `any` also on every network Gridex routes to, or
 * a list of network ids to allow besides the local suppliers.
 */
export const NetworkChoiceSchema = z
  .union([z.enum(['local', 'any']), z.array(NetworkIdSchema).min(1).max(32)])
  .describe(
    'local: only Gridex suppliers; any: also every network Gridex routes to; [ids]: Gridex suppliers and these networks',
  );
export type NetworkChoice = z.infer<typeof NetworkChoiceSchema>;

export const PositiveIntSchema = z.number().int().positive();
export const NonNegativeIntSchema = z.number().int().nonnegative();

/** Environment variables for a workload's containers, by name. */
export const EnvSchema = z
  .record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must be an environment variable name'),
    z.string().max(32_768),
  )
  .describe('Environment variables of the containers');

/** Environment variables read from Kubernetes Secrets the tenant keeps in its namespace (values never pass us). */
export const SecretEnvSchema = z
  .array(
    z.strictObject({
      name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must be an environment variable name'),
      secretName: z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'must be a Secret name'),
      key: z.string().regex(/^[-._a-zA-Z0-9]{1,253}$/, 'must be a Secret key'),
    }),
  )
  .max(64)
  .describe("Environment variables taken from Secrets in the tenant's namespace");

/** Token amounts: an integer number of base units (10⁻⁶ token), as a decimal string (totals exceed 2⁵³). */
export const TokenUnitsSchema = z
  .string()
  .regex(/^(0|[1-9]\d{0,30})$/, 'must be a whole number of token base units written as a decimal string')
  .describe('Token amount in integer base units (1 token = 1,000,000 units), as a decimal string');

/**
 * Set on a billing event when the amounts it states moved a tenant's holding of a compute credit (accounts
 * `credit:<id>:holder:<tenant>:available|held`) rather than its money (`tenant:<id>:available|held`).
 */
export const ComputeCreditIdSchema = z
  .uuid()
  .optional()
  .describe("The compute credit that paid for this reservation; absent when the tenant's money paid");
