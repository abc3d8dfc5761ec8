// Reads a Blob, a ReadableStream or an async iterable (a Node stream) of a CSV or JSON file into a FileChecker
// (src/stream.rs), chunk by chunk: for `validateStream()`, which checks `source` is one of them
// and makes the checker.

/**
 * @param {Blob | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string>} source
 * @param {{ push(chunk: Uint8Array | string): void, finish(): unknown, free(): void }} checker
 */
export async function readInto(source, checker) {
  try {
    if (typeof source.getReader !== "function" && typeof source.stream !== "function") {
      for await (const chunk of source) {
        checker.push(chunk);
      }
      return checker.finish();
    }
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
