import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { z } from "zod";

/**
 * An onnxruntime session on its own thread. onnxruntime-node runs inference synchronously on the
 * calling thread (its `run` only defers to setImmediate), so on the host's thread every frame
 * would stall HTTP and WebSocket traffic for the whole inference, and no JavaScript work could
 * overlap with it. Here the main thread only posts inputs and receives outputs.
 *
 * The worker's code is plain CommonJS given as a string (`eval`), so the same file works from
 * TypeScript sources and from dist without a loader. Requests carry ids: a reply to a request
 * whose caller went away (interrupted) is dropped instead of answering the next one.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const ort = require(workerData.ort);
let session;
parentPort.on("message", async ({ id, kind, path, options, input, output, data, dims }) => {
  try {
    if (kind === "load") {
      session = await ort.InferenceSession.create(path, options);
      parentPort.postMessage({ id, ok: true, inputs: session.inputMetadata, outputs: session.outputMetadata });
    } else if (kind === "run") {
      const result = (await session.run({ [input]: new ort.Tensor("float32", data, dims) }))[output];
      const array = result.data instanceof Float32Array ? result.data : undefined;
      // The input's buffer goes back too, so the caller can fill it again: nothing is copied.
      parentPort.postMessage({ id, ok: true, type: result.type, data: array, dims: result.dims, input: data }, array ? [array.buffer, data.buffer] : [data.buffer]);
    }
  } catch (error) {
    parentPort.postMessage({ id, ok: false, message: String((error && error.message) || error) });
  }
});
`;

const failure = z.object({ id: z.number(), ok: z.literal(false), message: z.string() });
const tensorMetadata = z.array(z.object({ name: z.string(), isTensor: z.boolean(), type: z.string().optional(), shape: z.array(z.union([z.number(), z.string()])).optional() }));
const loaded = z.object({ id: z.number(), ok: z.literal(true), inputs: tensorMetadata, outputs: tensorMetadata });
const ran = z.object({
  id: z.number(), ok: z.literal(true), type: z.string(), data: z.instanceof(Float32Array).optional(), dims: z.array(z.number()), input: z.instanceof(Float32Array),
});
const reply = z.union([failure, loaded, ran]);

export type WorkerMetadata = z.infer<typeof tensorMetadata>;

export class OnnxWorkerSession {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (value: z.infer<typeof reply>) => void; reject: (error: Error) => void }>();
  private nextId = 0;
  /** Why the worker is gone, once it is: requests then fail at once instead of waiting forever. */
  private gone: Error | undefined;

  constructor() {
    const ort = createRequire(import.meta.url).resolve("onnxruntime-node");
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ort } });
    this.worker.on("message", (message: unknown) => {
      const parsed = reply.safeParse(message);
      const id = parsed.success ? parsed.data.id : undefined;
      const waiter = id === undefined ? undefined : this.pending.get(id);
      if (waiter === undefined || !parsed.success) return;
      this.settled(parsed.data.id);
      waiter.resolve(parsed.data);
    });
    const fail = (error: Error) => {
      this.gone ??= error;
      const waiters = [...this.pending.values()];
      for (const id of [...this.pending.keys()]) this.settled(id);
      for (const waiter of waiters) waiter.reject(error);
    };
    this.worker.on("error", fail);
    this.worker.on("exit", (code) => fail(new Error(`the onnxruntime worker exited (${code})`)));
    // Unref'd after the listeners (adding a 'message' listener refs the port again): an idle model
    // must not keep the process alive. While a request is out, `request` refs it, or a script
    // awaiting only the model would see Node exit under it.
    this.worker.unref();
  }

  private settled(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
  }

  async load(path: string, threads: number): Promise<{ inputs: WorkerMetadata; outputs: WorkerMetadata }> {
    const answer = await this.request({ kind: "load", path, options: threads > 0 ? { intraOpNumThreads: threads } : {} });
    if (!("inputs" in answer)) throw new Error("the onnxruntime worker answered a load with something else");
    return answer;
  }

  /**
   * Runs one input. `data` moves to the worker (its buffer is detached here, not copied) and comes
   * back as `input` with the output, ready to be filled again. It must be a whole buffer, not a view.
   */
  async run(input: string, output: string, data: Float32Array, dims: readonly number[]): Promise<{ data: Float32Array; dims: readonly number[]; input: Float32Array }> {
    const answer = await this.request({ kind: "run", input, output, data, dims }, data.buffer instanceof ArrayBuffer ? [data.buffer] : []);
    if (!("dims" in answer)) throw new Error("the onnxruntime worker answered a run with something else");
    if (answer.data === undefined) throw new Error(`output ${output} is ${answer.type}, not float32`);
    return { data: answer.data, dims: answer.dims, input: answer.input };
  }

  /** False once the worker has died or been terminated; a model is then loaded again. */
  get alive(): boolean {
    return this.gone === undefined;
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }

  private request(message: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<z.infer<typeof loaded> | z.infer<typeof ran>> {
    const id = this.nextId++;
    return new Promise<z.infer<typeof reply>>((resolve, reject) => {
      if (this.gone !== undefined) return reject(this.gone);
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, ...message }, transfer);
    }).then((answer) => {
      if (!answer.ok) throw new Error(answer.message);
      return answer;
    });
  }
}
