/** Resolves on the first SIGTERM or SIGINT; register it before start-up so an early signal is not lost. */
export function shutdownSignal(): { signal: Promise<NodeJS.Signals>; dispose: () => void } {
  let dispose = () => undefined as void;
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    const on = (s: NodeJS.Signals) => resolve(s);
    process.once('SIGTERM', on);
    process.once('SIGINT', on);
    dispose = () => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
    };
  });
  return { signal, dispose };
}
