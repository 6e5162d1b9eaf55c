// Writes to sockets, gathered and made together at the end of the event-loop turn that produced
// them (setImmediate runs right after the turn's I/O callbacks). On a busy server one turn handles
// many connections; written back to back, their bytes reach a peer that is waiting on several of
// them in one wake-up, where a write made as soon as each is ready wakes it once per write, and the
// kernel charges that wake-up to the writer. With one connection a turn holds one write, made as
// soon as the turn ends. The front door also handles the requests a turn read this way, together
// (batchAtEndOfTurn), rather than each between Node's parsing of one connection and the next.

/** `write(item)` for each item passed to the returned function, at the end of the current turn, in order. */
export function atEndOfTurn<T>(write: (item: T) => void): (item: T) => void {
  return batchAtEndOfTurn((batch: T[]) => {
    for (const item of batch) write(item);
  });
}

/** `run(items)` once, at the end of the current turn, with every item passed in it, in order. */
export function batchAtEndOfTurn<T>(run: (batch: T[]) => void): (item: T) => void {
  let ready: T[] = [];
  const runAll = () => {
    const batch = ready;
    ready = [];
    run(batch);
  };
  return (item) => {
    if (ready.length === 0) setImmediate(runAll);
    ready.push(item);
  };
}
