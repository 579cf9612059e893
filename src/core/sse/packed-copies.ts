/** Small slices are packed into blocks this size: a stream's last block wastes less than this. */
const blockBytes = 4096;

/**
 * Copies of the byte slices a stream keeps after relaying them (for the cache
 * and for its output tally), packed into a few blocks of its own. Kept as they
 * came, a stream of a hundred events would keep a hundred socket reads, each
 * an ArrayBuffer with its own allocation and wrappers (~500 bytes apiece
 * besides the data), interleaved with short-lived ones: memory the allocator
 * does not give back after a burst of streams.
 */
export class PackedCopies {
  private block: Buffer | undefined;
  private used = 0;

  /** A copy of `bytes` in this stream's blocks; a slice as large as a block is kept as it is unless it pins a buffer over twice its size. */
  keep(bytes: Buffer): Buffer {
    if (bytes.length >= blockBytes) return bytes.buffer.byteLength <= bytes.length * 2 ? bytes : Buffer.from(bytes);
    if (!this.block || this.used + bytes.length > this.block.length) {
      // Not from Node's shared pool: a pooled slice would keep 8 KB of other allocations alive with it.
      this.block = Buffer.allocUnsafeSlow(blockBytes);
      this.used = 0;
    }
    const start = this.used;
    this.used += bytes.copy(this.block, start);
    return this.block.subarray(start, this.used);
  }
}
