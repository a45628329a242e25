/**
 * A Lambda handler whose dependencies are built on its first invocation rather than when its
 * module is imported: importing a handler reads no environment and connects to nothing, and
 * a warm container builds them once.
 */
export function lazyHandler<Args extends unknown[], Result>(
  build: () => (...args: Args) => Promise<Result>,
): (...args: Args) => Promise<Result> {
  let handler: ((...args: Args) => Promise<Result>) | undefined;
  // Async so that a failed build (a missing variable) rejects like any other failure.
  return async (...args) => {
    handler ??= build();
    return handler(...args);
  };
}
