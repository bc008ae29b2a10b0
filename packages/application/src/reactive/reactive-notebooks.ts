import * as Effect from "effect/Effect";
import * as Semaphore from "effect/Semaphore";
import type * as Scope from "effect/Scope";
import type * as Stream from "effect/Stream";
import { Conflict, LOCAL_USER_ID, mayAccess, NotFound, type StorageFailure } from "@parallax/domain";
import { notebookOwner, withOwner, type Notebook } from "@parallax/domain/notebook";
import {
  documentFromNbformat,
  documentToNbformat,
  mergeIntoNbformat,
  newCodeCell,
  reactiveHeader,
  type CellLanguage,
  type NotebookEvent,
  type ReactiveCell,
  type ReactiveDocument,
  type ReactiveNotebook,
} from "@parallax/domain/reactive";
import type { Clock } from "../shared/clock.port.js";
import type { IdGenerator } from "../shared/id-generator.port.js";
import type { NotebookStore } from "../notebook/notebook-store.port.js";
import { inNotebookTurn, updateNotebook } from "../notebook/update-notebook.js";
import type { KernelFactory } from "./kernel.port.js";
import { NotebookSession, type SessionLimits, type SessionSnapshot } from "./notebook-session.js";
import { ownNotebookId, seedNotebooks } from "./seed-notebooks.js";

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const EXTENSION = ".ipynb";

type Failure = NotFound | StorageFailure;

export interface ReactiveLimits extends SessionLimits {
  /** Notebooks whose kernel may be live at once (unbounded when absent). */
  readonly maxKernels?: number;
}

/**
 * The reactive notebook use cases (§B). Each notebook is a `<id>.ipynb` document in the
 * shared NotebookStore; an opened notebook lives in a `NotebookSession` that is the source
 * of truth while it runs and writes itself back after every mutation and every finished cell.
 *
 * Kernels are the costly part (a process each), so at most `maxKernels` notebooks hold one:
 * a notebook that needs one at the cap takes the slot of the least recently used notebook
 * that is not running anything, which is closed as `closeIdle` closes it (watchers first
 * lose their subscription, and reconnect). A running notebook is never stopped; when all are
 * running, the cell fails at once with a message saying so, rather than waiting behind runs
 * that may take minutes.
 */
export class ReactiveNotebooks {
  private readonly sessions = new Map<string, NotebookSession>();
  /** Per open notebook: when it was last used and how many subscribers it has (idle kernels are stopped). */
  private readonly usage = new Map<string, { lastUsed: number; subscribers: number }>();
  /** The document and version this service last wrote (or read) per open notebook. */
  private readonly written = new Map<string, { version: string; notebook: Notebook }>();
  private readonly opening = Semaphore.makeUnsafe(1);
  /** Deciding who holds a kernel, and queueing the run, is one step per run. */
  private readonly kernelSlots = Semaphore.makeUnsafe(1);

  constructor(
    private readonly store: NotebookStore,
    private readonly kernels: KernelFactory,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
    private readonly limits: ReactiveLimits = {},
  ) {}

  /** A new notebook belonging to `owner` (the one user of AUTH=none by default). */
  create(name = "Untitled notebook", owner: string = LOCAL_USER_ID): Effect.Effect<string, Failure | Conflict> {
    return Effect.gen({ self: this }, function* () {
      const id = this.ids.next();
      const document: ReactiveDocument = { id, name, db_conn_string: null, revision: 0, cells: [newCodeCell(this.ids.next(), "python")] };
      yield* this.store.put(fileName(id), withOwner(documentToNbformat(document), owner), null);
      return id;
    });
  }

  /**
   * The user's notebooks, after creating their `demo-{uid}` and `blank-{uid}` where they are
   * missing (a deleted demo comes back: §B's editor needs both after its first list). Another
   * user's notebooks are not listed; ones stored before owners were kept are `local`'s.
   */
  list(userId: string): Effect.Effect<Array<{ id: string; name: string }>, StorageFailure> {
    return Effect.gen({ self: this }, function* () {
      // Summaries, not documents: one 100 MB notebook made every listing parse it again.
      let summaries = yield* this.store.listSummaries();
      const stored = new Set(summaries.map((summary) => summary.name));
      const missing = seedNotebooks(userId).filter((seed) => !stored.has(fileName(seed.id)));
      if (missing.length > 0) {
        yield* Effect.forEach(missing, (seed) => this.createSeed(seed, userId), { discard: true });
        summaries = yield* this.store.listSummaries();
      }
      const result: Array<{ id: string; name: string }> = [];
      for (const { name: file, metadata } of summaries) {
        if (!file.endsWith(EXTENSION) || !mayAccess(notebookOwner(metadata), { userId })) continue;
        const id = file.slice(0, -EXTENSION.length);
        // The title is read the way an opened notebook reads it (metadata only; no cells needed).
        const name = this.sessions.get(id)?.name ?? reactiveHeader(id, { nbformat: 4, nbformat_minor: 5, metadata: { ...metadata }, cells: [] }).name;
        result.push({ id, name });
      }
      return result;
    });
  }

  /**
   * The notebook `id` names for `userId`, which must be theirs: the aliases `demo` and `blank`
   * are the user's own (created if missing, as a list would), every other id is itself. Every
   * way in (routes, the socket, the assistant's tools) passes here, so another user's notebook
   * is `NotFound` exactly as a missing one is: nothing hints that it exists.
   */
  resolve(userId: string, id: string): Effect.Effect<string, Failure> {
    return Effect.gen({ self: this }, function* () {
      const own = ownNotebookId(id, userId);
      const seed = own === id ? undefined : seedNotebooks(userId).find((document) => document.id === own);
      if (seed && !this.sessions.has(own)) yield* this.createSeed(seed, userId);
      yield* this.session(own);
      const owner = notebookOwner(this.written.get(own)?.notebook.metadata ?? {});
      if (!mayAccess(owner, { userId })) return yield* Effect.fail(new NotFound({ message: "Notebook not found" }));
      return own;
    });
  }

  get(id: string): Effect.Effect<ReactiveNotebook, Failure> {
    return Effect.map(this.session(id), (session) => session.snapshot());
  }

  rename(id: string, name: string): Effect.Effect<void, Failure> {
    return Effect.flatMap(this.session(id), (session) => session.rename(name));
  }

  setDatabase(id: string, connectionString: string | null): Effect.Effect<void, Failure> {
    return Effect.flatMap(this.session(id), (session) => session.setDatabase(connectionString || null));
  }

  delete(id: string): Effect.Effect<void, Failure> {
    return Effect.gen({ self: this }, function* () {
      yield* validId(id);
      const session = this.sessions.get(id);
      this.sessions.delete(id);
      this.usage.delete(id);
      if (session) yield* session.close();
      this.written.delete(id);
      yield* this.store.delete(fileName(id));
      if (this.kernels.discard) yield* this.kernels.discard(id);
    });
  }

  /** `position`: the cell the new one goes after, or its index; absent, the end. */
  addCell(id: string, type: CellLanguage, position?: string | number, code?: string): Effect.Effect<ReactiveCell, Failure> {
    return Effect.flatMap(this.session(id), (session) => session.addCell(this.ids.next(), type, position, code));
  }

  updateCell(id: string, cellId: string, code: string, expectedRevision?: number): Effect.Effect<number, Failure | Conflict> {
    return Effect.flatMap(this.session(id), (session) => session.updateCell(cellId, code, expectedRevision));
  }

  deleteCell(id: string, cellId: string): Effect.Effect<number, Failure> {
    return Effect.flatMap(this.session(id), (session) => session.deleteCell(cellId));
  }

  runCell(id: string, cellId: string): Effect.Effect<void, Failure> {
    return this.kernelSlots.withPermit(
      Effect.gen({ self: this }, function* () {
        const session = yield* this.session(id);
        if (session.hasKernel || (yield* this.freeKernelSlot(id))) return yield* session.run([cellId]);
        const max = this.limits.maxKernels;
        yield* session.refuse(cellId, `Kernel limit reached: every kernel of this server (${max}) is running a cell. Run the cell again when one finishes.`);
      }),
    );
  }

  /**
   * Makes room for one more live kernel, closing the least recently used notebooks that run
   * nothing (unwatched ones first). False when every live kernel is running a cell.
   */
  private freeKernelSlot(except: string): Effect.Effect<boolean> {
    return Effect.gen({ self: this }, function* () {
      const max = this.limits.maxKernels;
      if (max === undefined) return true;
      const live = [...this.sessions].filter(([id, session]) => id !== except && session.hasKernel);
      const idle = live.filter(([, session]) => !session.busy);
      const excess = live.length - max + 1;
      if (excess <= 0) return true;
      if (idle.length < excess) return false;
      const rank = (id: string) => {
        const usage = this.usage.get(id);
        return [usage && usage.subscribers > 0 ? 1 : 0, usage?.lastUsed ?? 0] as const;
      };
      idle.sort(([a], [b]) => rank(a)[0] - rank(b)[0] || rank(a)[1] - rank(b)[1]);
      for (const [id, session] of idle.slice(0, excess)) {
        // Usage stays: the watchers' subscriptions end now and count themselves out.
        this.sessions.delete(id);
        yield* session.close();
        this.written.delete(id);
      }
      return true;
    });
  }

  /**
   * Events of one notebook from now on, in order. The subscription is taken in the caller's scope
   * when this effect runs (nothing published after it is missed, and a missing notebook fails
   * here), and ends with that scope; the stream ends when the notebook is closed.
   */
  events(id: string): Effect.Effect<Stream.Stream<NotebookEvent>, Failure, Scope.Scope> {
    return Effect.flatMap(this.session(id), (session) =>
      Effect.acquireRelease(
        Effect.sync(() => this.touch(id, +1)),
        () => Effect.sync(() => this.touch(id, -1)),
      ).pipe(Effect.andThen(session.subscribe())),
    );
  }

  /**
   * Closes the notebooks nobody watches and nothing runs in since `maxIdleMs`, stopping their
   * kernels (a python3 process each); the next use reopens them from the store.
   */
  closeIdle(maxIdleMs: number): Effect.Effect<string[]> {
    return Effect.gen({ self: this }, function* () {
      const now = this.clock.now().getTime();
      const closed: string[] = [];
      for (const [id, session] of this.sessions) {
        const usage = this.usage.get(id);
        if (session.busy || (usage && (usage.subscribers > 0 || now - usage.lastUsed < maxIdleMs))) continue;
        this.sessions.delete(id);
        this.usage.delete(id);
        closed.push(id);
        yield* session.close();
        this.written.delete(id);
      }
      for (const [id, usage] of this.usage) if (!this.sessions.has(id) && usage.subscribers === 0) this.usage.delete(id);
      return closed;
    });
  }

  private touch(id: string, subscribers = 0): void {
    const usage = this.usage.get(id) ?? { lastUsed: 0, subscribers: 0 };
    usage.lastUsed = this.clock.now().getTime();
    usage.subscribers += subscribers;
    this.usage.set(id, usage);
  }

  /** Waits until the notebook has nothing queued or running. */
  idle(id: string): Effect.Effect<void, Failure> {
    return Effect.flatMap(this.session(id), (session) => session.idle());
  }

  closeAll(): Effect.Effect<void> {
    return Effect.gen({ self: this }, function* () {
      const sessions = [...this.sessions.values()];
      this.sessions.clear();
      this.usage.clear();
      this.written.clear();
      yield* Effect.forEach(sessions, (session) => session.close(), { concurrency: "unbounded", discard: true });
    });
  }

  private session(id: string): Effect.Effect<NotebookSession, Failure> {
    return Effect.gen({ self: this }, function* () {
      yield* validId(id);
      this.touch(id);
      const open = this.sessions.get(id);
      if (open) return open;
      return yield* this.opening.withPermit(
        Effect.gen({ self: this }, function* () {
          const raced = this.sessions.get(id);
          if (raced) return raced;
          const stored = yield* this.store.get(fileName(id));
          this.written.set(id, { version: stored.version, notebook: stored.notebook });
          const document = documentFromNbformat(id, stored.notebook);
          const kernel = this.kernels.create({ notebookId: id, dbConnString: document.db_conn_string });
          const session = yield* NotebookSession.open(document, kernel, (snapshot) => this.persist(id, snapshot), this.limits);
          this.sessions.set(id, session);
          return session;
        }),
      );
    });
  }

  /** Merges over the stored document so what other APIs keep there (spatial placement) and the cells the session did not touch survive as they are. */
  private persist(id: string, snapshot: () => SessionSnapshot): Effect.Effect<void> {
    const name = fileName(id);
    // Fast path: nobody else wrote since our last write, so merging over what we wrote is
    // merging over the stored document (one write, no read). Otherwise read, merge, retry.
    // It waits for the notebook's turn: a session writes after every edit, and writing
    // between another writer's read and write (a §A placement) would make that one retry
    // until it gave up.
    const fast = inNotebookTurn(
      this.store,
      name,
      Effect.suspend(() => {
        const last = this.written.get(id);
        if (!last) return Effect.fail(new Conflict({ message: "no known version" }));
        const { document, touched } = snapshot();
        return this.store.put(name, mergeIntoNbformat(last.notebook, document, touched), last.version);
      }),
    );
    const merge = (stored: Notebook) => {
      const { document, touched } = snapshot();
      return Effect.succeed({ notebook: mergeIntoNbformat(stored, document, touched), result: undefined });
    };
    const careful = updateNotebook(this.store, name, merge).pipe(
      Effect.map(({ stored }) => stored),
    );
    return fast.pipe(
      Effect.catchTag("Conflict", () => careful),
      Effect.tap((stored) => Effect.sync(() => this.written.set(id, { version: stored.version, notebook: stored.notebook }))),
      Effect.catch((error) => Effect.logWarning(`reactive notebook ${id} not persisted: ${error.message}`)),
      Effect.asVoid,
    );
  }

  /** Writes a seed notebook of `owner` unless one of that name exists (a concurrent list made it, or it was not missing). */
  private createSeed(seed: ReactiveDocument, owner: string): Effect.Effect<void, StorageFailure> {
    if (!ID_PATTERN.test(seed.id)) return Effect.void;
    return this.store.put(fileName(seed.id), withOwner(documentToNbformat(seed), owner), null).pipe(
      Effect.asVoid,
      Effect.catchTag("Conflict", () => Effect.void),
    );
  }
}

function fileName(id: string): string {
  return `${id}${EXTENSION}`;
}

/** An id that cannot name a stored notebook (path tricks included) is simply not found. */
function validId(id: string): Effect.Effect<void, NotFound> {
  return ID_PATTERN.test(id) ? Effect.void : Effect.fail(new NotFound({ message: "Notebook not found" }));
}
