/**
 * The wasm backend's tuning constants, each with its reason: when a call is split across threads and
 * into how many tasks, which route a product or a convolution takes, and how long the pool's threads
 * spin and wait. Changing one changes speed only, except CONV_CHUNK (it fixes the order of the
 * weight gradients' sums) and the Winograd thresholds (they choose between two ways that round
 * differently in the last bits).
 */

/** Least work (multiply-adds, or elements moved) split across threads: waking workers costs more below it. */
export const MIN_PARALLEL_MACS = 1 << 18;
/**
 * Most tasks a split call makes for each thread: enough that a late or slow thread (a shared machine,
 * a browser's page) leaves the rest to the others, few enough that each task is long.
 */
export const TASKS_PER_THREAD = 8;

/** Below this many rows of A, an 'nn' product skips packing B: a pass over B costs more than the product. */
export const SMALL_M = 4;
/** Fewest row tiles in a product's task where there are enough: each task reads all of packed B. */
export const GEMM_GRAIN = 4;
/** Most rows of an 'nn' product split by B's columns rather than by rows: few rows make few row tiles to share. */
export const COLUMNS_MAX_M = 128;
/** Fewest panels of B in each task of the split by columns (the route needs two such tasks a thread). */
export const COLUMNS_GRAIN = 2;

/**
 * Samples per partial of a convolution's weight gradients: fixed, so that the sums are the same
 * whatever the threads (a batch of 128 makes 16 partials, so 16 tasks); small enough that a chunk's
 * windows stay in L2 and a slow thread's last task is short.
 */
export const CONV_CHUNK = 8;
/** Fewest channels for which a 3×3 convolution goes by Winograd: the products' k is the channels. */
export const WINOGRAD_MIN_CHANNELS = 8;
/**
 * Fewest tiles in a call (batch · tiles a sample) for Winograd: each call transforms every kernel on
 * the calling thread, which the tiles must pay back (2× over) by the multiply-adds they save.
 */
export const WINOGRAD_MIN_TILES = 128;

/** An affine resampling's work an output element, in a product's multiply-adds (a point, four weights, four reads). */
export const RESAMPLE_MACS = 16;
/** An Adam update's work a weight, in a product's multiply-adds (a square root, a division, the moments). */
export const ADAM_MACS = 8;

/** Longest a job may take before the caller gives up on a worker (it may have died). */
export const JOB_TIMEOUT_MS = 60_000;
/** Longest Node's workers may take to instantiate the kernels before the pool gives up on starting. */
export const START_TIMEOUT_MS = 10_000;
/** Polls of a control word before the caller sleeps on it (some tens of microseconds): most jobs end within. */
export const CALLER_SPIN = 20000;
/**
 * Polls of its control word before a worker sleeps (a microsecond or so): long enough for the job
 * that follows at once (a product's after the packing of its B), short enough not to take a core
 * from the rest (a browser's page and compositor) while it waits.
 */
export const WORKER_SPIN = 1000;
