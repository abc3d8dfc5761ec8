// Reads a Blob or a ReadableStream into a FileChecker (src/stream.rs), chunk by chunk: for
// `validateStream()`, which checks `source` is one or the other and makes the checker.

/**
 * @param {Blob | ReadableStream<Uint8Array>} source
 * @param {{ push(chunk: Uint8Array | string): void, finish(): unknown, free(): void }} checker
 */
export async function readInto(source, checker) {
  try {
    const stream = typeof source.getReader === "function" ? source : source.stream();
    const reader = stream.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          break;
        }
        checker.push(value);
      }
    } catch (e) {
      // Stop reading the rest: the error is what the caller gets.
      await reader.cancel(e).catch(() => {});
      throw e;
    } finally {
      reader.releaseLock();
    }
    return checker.finish();
  } finally {
    checker.free();
  }
}
