import { z } from 'zod';
import { configuredKeySchema } from '../config/tenancy-schema.js';

const configured = configuredKeySchema.shape;

/** What `POST /admin/keys` takes: a key's name and what it may do; the key itself is made by the gateway. */
const keyRequestSchema = z.strictObject({
  name: configured.name,
  models: z.array(z.string().min(1).max(256)).max(256).optional(),
  rate_limits: configured.rate_limits,
  budget: configured.budget,
  expires_at: z.iso
    .datetime({ offset: true })
    .refine((when) => Date.parse(when) > Date.now(), 'must be in the future')
    .optional(),
});

export type KeyRequest = z.output<typeof keyRequestSchema>;

/** A key request, checked; throws `InvalidKeyRequestError` naming the first field at fault. */
export function parseKeyRequest(body: unknown): KeyRequest {
  const parsed = keyRequestSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.length ? issue.path.join('.') : undefined;
  throw new InvalidKeyRequestError(field ? `"${field}": ${issue?.message}` : (issue?.message ?? 'invalid key request'), field);
}

export class InvalidKeyRequestError extends Error {
  constructor(
    message: string,
    readonly field: string | undefined,
  ) {
    super(message);
  }
}
