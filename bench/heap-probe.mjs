// Preloaded (--import) into a server the load benchmark starts, so the example itself stays as
// shipped: on SIGUSR2, collect garbage and print the live heap as one JSON line on stdout.
process.on('SIGUSR2', () => {
  const { gc } = globalThis;
  if (gc) {
    gc();
    gc();
  }
  process.stdout.write(`${JSON.stringify({ heapUsed: process.memoryUsage().heapUsed })}\n`);
});
