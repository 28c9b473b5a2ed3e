import ShardFormat

/// One sample slot of an epoch for this rank: which record, and whether it is a wrap-around pad.
public struct SampleSlot: Sendable, Equatable {
    public var location: DatasetReader.Location
    /// Position of the record in the epoch's global order (seeds its augmentation).
    public var order: Int
    public var isPadding: Bool
}

/// The order of one epoch for one rank, computed from (seed, epoch, rank, worldSize) alone:
/// global order → every `worldSize`-th sample from `rank` → batches of `batchSize`.
struct EpochPlan {
    let batches: [[SampleSlot]]

    init(records: [DatasetReader.Location], shardOf: (DatasetReader.Location) -> Int, config: LoaderConfig, epoch: Int) {
        let order = EpochPlan.globalOrder(records, shardOf: shardOf, mode: config.shuffle, seed: config.seed, epoch: epoch)
        let n = order.count, w = max(1, config.worldSize), b = max(1, config.batchSize)
        // Equal shares: each rank gets ⌊n/w⌋ (drop) or ⌈n/w⌉ (pad, wrapping to the start) samples,
        // interleaved so that rank r takes positions r, r + w, r + 2w, …
        let perRank = config.remainder == .drop ? n / w : (n + w - 1) / w
        var mine: [SampleSlot] = []
        mine.reserveCapacity(perRank)
        for i in 0..<perRank {
            let position = i * w + config.rank
            guard n > 0 else { break }
            mine.append(SampleSlot(location: order[position % n], order: position, isPadding: position >= n))
        }
        // Whole batches only: drop the short last batch, or pad it by wrapping this rank's own list.
        let batchCount = config.remainder == .drop ? mine.count / b : (mine.count + b - 1) / b
        var batches: [[SampleSlot]] = []
        batches.reserveCapacity(batchCount)
        for k in 0..<batchCount {
            batches.append((0..<b).map { j in
                let i = k * b + j
                if i < mine.count { return mine[i] }
                var slot = mine[i % mine.count]
                slot.isPadding = true
                return slot
            })
        }
        self.batches = batches
    }

    /// Every record of the split, in this epoch's order.
    static func globalOrder(_ records: [DatasetReader.Location], shardOf: (DatasetReader.Location) -> Int,
                            mode: ShuffleMode, seed: UInt64, epoch: Int) -> [DatasetReader.Location] {
        switch mode {
        case .none:
            return records
        case .global:
            var rng = SeededRandom(seed, UInt64(epoch), 1)
            var order = records
            order.shuffle(using: &rng)
            return order
        case .shardBuffered(let k, let bufferSize):
            var rng = SeededRandom(seed, UInt64(epoch), 2)
            var shards: [Int: [DatasetReader.Location]] = [:]
            for r in records { shards[shardOf(r), default: []].append(r) }
            var shardOrder = shards.keys.sorted()
            shardOrder.shuffle(using: &rng)
            // k shards open at a time, read round-robin; a finished shard is replaced by the next.
            var streams: [[DatasetReader.Location]] = []
            var positions: [Int] = []
            var nextShard = 0
            var interleaved: [DatasetReader.Location] = []
            interleaved.reserveCapacity(records.count)
            while true {
                while streams.count < max(1, k), nextShard < shardOrder.count {
                    streams.append(shards[shardOrder[nextShard]]!)
                    positions.append(0)
                    nextShard += 1
                }
                if streams.isEmpty { break }
                var i = 0
                while i < streams.count {
                    interleaved.append(streams[i][positions[i]])
                    positions[i] += 1
                    if positions[i] == streams[i].count {
                        streams.remove(at: i)
                        positions.remove(at: i)
                    } else {
                        i += 1
                    }
                }
            }
            // The shuffle buffer: fill to `bufferSize`, then emit a random element per incoming one.
            var buffer: [DatasetReader.Location] = []
            var out: [DatasetReader.Location] = []
            out.reserveCapacity(interleaved.count)
            for r in interleaved {
                buffer.append(r)
                if buffer.count >= max(1, bufferSize) {
                    let j = Int.random(in: 0..<buffer.count, using: &rng)
                    buffer.swapAt(j, buffer.count - 1)
                    out.append(buffer.removeLast())
                }
            }
            buffer.shuffle(using: &rng)
            return out + buffer
        }
    }
}
