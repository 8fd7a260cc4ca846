// The HTTP face of the files and fine-tuning jobs API (OpenAI's paths and wire shapes, as the
// `openai` SDK sends and reads them). The server (../server.ts) hands every request under
// /v1/files and /v1/fine_tuning here; the store does the work.
import { z } from 'zod';
import { ApiError, type FineTuneStore } from './store';

export type RouteResult = { status: number; json: unknown } | { status: number; text: string };

const Hyper = z.record(z.string(), z.union([z.number(), z.literal('auto')])).optional();
const CreateJob = z
  .object({
    model: z.string().min(1),
    training_file: z.string().min(1),
    validation_file: z.string().nullable().optional(),
    suffix: z.string().nullable().optional(),
    seed: z.number().int().nullable().optional(),
    metadata: z.record(z.string(), z.string()).nullable().optional(),
    hyperparameters: Hyper,
    method: z
      .object({
        type: z.string(),
        supervised: z.object({ hyperparameters: Hyper }).optional(),
        dpo: z.object({ hyperparameters: Hyper }).optional(),
        reinforcement: z.unknown().optional(),
      })
      .optional(),
    integrations: z.unknown().optional(),
  })
  .strict();

function listQuery(url: URL): { after?: string; limit?: number } {
  const after = url.searchParams.get('after') ?? undefined;
  const raw = url.searchParams.get('limit');
  const limit = raw === null ? undefined : Number(raw);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0))
    throw new ApiError(400, `limit: expected a positive integer, got "${raw}"`, 'invalid_value', 'limit');
  return { after, limit };
}

/** `metadata[k]=v` query parameters (the SDK's bracket form of `{ metadata: { k: v } }`). */
function metadataQuery(url: URL): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of url.searchParams) {
    const m = /^metadata\[(.+)\]$/.exec(k);
    if (m) out[m[1]] = v;
  }
  return out;
}

async function upload(store: FineTuneStore, body: Buffer, contentType: string): Promise<RouteResult> {
  if (!contentType.toLowerCase().startsWith('multipart/form-data'))
    throw new ApiError(
      400,
      'Uploads must be multipart/form-data with the fields file and purpose.',
      'invalid_request',
      null,
    );
  let form: FormData;
  try {
    // Node's fetch Request parses multipart bodies: no hand-written parser needed.
    form = await new Request('http://sim.local/upload', {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: body,
    }).formData();
  } catch (e) {
    throw new ApiError(
      400,
      `Could not parse the multipart body: ${(e as Error).message}`,
      'invalid_request',
      null,
    );
  }
  const file = form.get('file');
  const purpose = form.get('purpose');
  if (!(file instanceof File))
    throw new ApiError(400, "Missing required parameter: 'file'.", 'missing_required_parameter', 'file');
  if (typeof purpose !== 'string')
    throw new ApiError(
      400,
      "Missing required parameter: 'purpose'.",
      'missing_required_parameter',
      'purpose',
    );
  return { status: 200, json: store.addFile(file.name, purpose, await file.text()) };
}

function createJob(store: FineTuneStore, body: Buffer): RouteResult {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new ApiError(
      400,
      `We could not parse the JSON body of your request. (${(e as Error).message})`,
      'invalid_json',
      null,
    );
  }
  const p = CreateJob.safeParse(json);
  if (!p.success) {
    const i = p.error.issues[0];
    const param = i.path.join('.') || null;
    throw new ApiError(400, `Invalid request: ${param ?? 'body'}: ${i.message}`, 'invalid_value', param);
  }
  return { status: 200, json: store.createJob(p.data) };
}

/** The answer to a files or fine-tuning request, or undefined when the path is not one of them. */
export async function fineTuneRoute(
  store: FineTuneStore,
  method: string,
  url: URL,
  body: Buffer,
  contentType: string,
): Promise<RouteResult | undefined> {
  const p = url.pathname.replace(/\/+$/, '').replace(/^\/v1(?=\/)/, '');
  const route = `${method} ${p}`;
  let m: RegExpExecArray | null;
  if (route === 'POST /files') return upload(store, body, contentType);
  if (route === 'GET /files') {
    const q = listQuery(url);
    const purpose = url.searchParams.get('purpose') ?? undefined;
    const order = url.searchParams.get('order') ?? undefined;
    return { status: 200, json: store.listFiles({ ...q, purpose, order }) };
  }
  if ((m = /^GET \/files\/([^/]+)\/content$/.exec(route)))
    return { status: 200, text: store.fileContent(m[1]) };
  if ((m = /^GET \/files\/([^/]+)$/.exec(route))) return { status: 200, json: store.getFile(m[1]) };
  if ((m = /^DELETE \/files\/([^/]+)$/.exec(route))) return { status: 200, json: store.deleteFile(m[1]) };
  if (route === 'POST /fine_tuning/jobs') return createJob(store, body);
  if (route === 'GET /fine_tuning/jobs')
    return { status: 200, json: store.listJobs({ ...listQuery(url), metadata: metadataQuery(url) }) };
  if ((m = /^GET \/fine_tuning\/jobs\/([^/]+)$/.exec(route)))
    return { status: 200, json: store.getJob(m[1]) };
  if ((m = /^GET \/fine_tuning\/jobs\/([^/]+)\/events$/.exec(route)))
    return { status: 200, json: store.listEvents(m[1], listQuery(url)) };
  if ((m = /^GET \/fine_tuning\/jobs\/([^/]+)\/checkpoints$/.exec(route)))
    return { status: 200, json: store.listCheckpoints(m[1], listQuery(url)) };
  if ((m = /^POST \/fine_tuning\/jobs\/([^/]+)\/cancel$/.exec(route)))
    return { status: 200, json: store.cancel(m[1]) };
  return undefined;
}
