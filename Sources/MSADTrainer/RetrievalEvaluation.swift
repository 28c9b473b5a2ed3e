import PairLoader
import ShardFormat

/// Top-1 and top-5 accuracy of cross-sensor token retrieval.
public struct RetrievalScores: Codable, Sendable, Equatable {
    public var top1: Double
    public var top5: Double

    public init(top1: Double, top5: Double) {
        self.top1 = top1
        self.top5 = top5
    }
}

/// One retrieval task: each query token looks for its own gallery token among a set of candidates.
public struct RetrievalTask: Codable, Sendable, Equatable {
    /// Mean number of candidates per query.
    public var candidates: Double
    public var trained: RetrievalScores
    public var randomInit: RetrievalScores
    /// The expected scores of a random ranking: per query min(1, k / candidates), averaged.
    public var chance: RetrievalScores
}

/// The evaluation of `train-msad evaluate`. Every query-sensor token of a split looks for the
/// gallery-sensor token of the same record and position (cosine of the projected tokens) among:
/// - ``acrossRecords``: the gallery tokens at the same position of every record — what MSAD trains
///   (it contrasts records at each token position); chance 1/records;
/// - ``acrossPositions``: the gallery tokens of the same record — what msad-dense adds (positions
///   within a record); chance 1/G²;
/// - ``allTokens``: every gallery token of the split (records × G²).
///
/// Each for the trained model, the same configuration at its random initialisation, and chance.
/// Tokens that do not count in either sensor (``TokenValidity``) are neither queries nor candidates.
public struct RetrievalReport: Codable, Sendable, Equatable {
    public var split: String
    public var gallery: String
    public var query: String
    public var records: Int
    public var tokensPerRecord: Int
    /// Tokens that count in both sensors (``TokenValidity``): the queries of every task.
    public var validTokens: Int
    /// Same position, across records (MSAD's objective).
    public var acrossRecords: RetrievalTask
    /// Same record, across positions (msad-dense's).
    public var acrossPositions: RetrievalTask
    public var allTokens: RetrievalTask

    /// Evaluates `model` on `split` of `dataset`.
    public static func evaluate(model: MSADModel<Float>, dataset: String, split: String, gallery: String, query: String,
                                batchSize: Int = 32, workers: Int = 1, storage: (any DatasetStorage)? = nil) throws -> RetrievalReport {
        let names = model.config.sensors.map(\.name)
        guard let g = names.firstIndex(of: gallery), let q = names.firstIndex(of: query), g != q else {
            throw TrainingError("--sensors \(gallery),\(query): the checkpoint's model has sensors \(names.joined(separator: ",")); name two different ones")
        }
        let random = MSADModel<Float>(config: model.config)
        let loader: PairLoader
        do {
            loader = try PairLoader(LoaderConfig(directory: dataset, split: split, sensors: [gallery, query], batchSize: batchSize,
                                                 shuffle: .none, workers: workers, remainder: .pad, includesGeotransforms: false, storage: storage))
        } catch {
            throw TrainingError("\(error)")
        }
        guard !loader.records.isEmpty else { throw TrainingError("split \"\(split)\" of \(dataset) has no record with \(gallery) and \(query)") }
        // The encoders read patches of the shape they were built for: the dataset's must match.
        for (index, name) in [(g, gallery), (q, query)] {
            let sensor = model.config.sensors[index], side = model.config.grid * sensor.pixelsPerToken
            let shape = loader.patchShape(of: name) ?? []
            guard shape == [sensor.channels, side, side] else {
                throw TrainingError("the checkpoint's \(name) encoder takes \(sensor.channels)×\(side)×\(side) patches; \(dataset) has \(shape)")
            }
        }
        let perRecord = model.tokensPerRecord
        var tokens: [[Float]] = [[], [], [], []]     // trained gallery, trained query, random gallery, random query
        var valid: [Bool] = []                      // per token of every kept record
        var records = 0
        try loader.forEach { batch in
            let keep = (0..<batch.count).filter { !batch.isPadding[$0] }
            let pixels = [(g, gallery), (q, query)].map { index, name in
                batch[name]!.withUnsafeValues { model.encoders[index].embedding.tokens($0, records: batch.count) }
            }
            for (slot, m) in [model, random].enumerated() {
                let projected = [m.heads[g].forward(m.encoders[g].forward(pixels[0])), m.heads[q].forward(m.encoders[q].forward(pixels[1]))]
                for (side, p) in projected.enumerated() {
                    let rows = keep.flatMap { k in (k * perRecord)..<((k + 1) * perRecord) }
                    tokens[2 * slot + side] += MSADDenseLoss.normalize(p.gatherRows(rows)).0.values
                }
            }
            let usable = [(g, gallery), (q, query)].map { index, name in
                TokenValidity.usable(batch[name]!, grid: model.config.grid, pixelsPerToken: model.config.sensors[index].pixelsPerToken)
            }
            for k in keep {
                for t in 0..<perRecord { valid.append(usable[0][k * perRecord + t] && usable[1][k * perRecord + t]) }
            }
            records += keep.count
        }
        let n = records * perRecord, e = model.config.projection
        let matrices = tokens.map { Matrix(rows: n, cols: e, values: $0) }
        let usable = (0..<n).filter { valid[$0] }
        guard !usable.isEmpty else {
            throw TrainingError("no token of split \"\(split)\" has half its pixels valid in both \(gallery) and \(query)")
        }
        // Candidate sets, each a list of token rows (row = record · G² + position), in one pass.
        var byPosition = [[Int]](repeating: [], count: perRecord), byRecord = [[Int]](repeating: [], count: records)
        for row in usable {
            byPosition[row % perRecord].append(row)
            byRecord[row / perRecord].append(row)
        }
        func task(_ groups: [[Int]]) -> RetrievalTask {
            // A query among m candidates: chance min(1, k/m) at top-k; m queries share the group.
            var chance1 = 0.0, chance5 = 0.0, pairs = 0.0
            for group in groups where !group.isEmpty {
                let m = Double(group.count)
                chance1 += m * min(1, 1 / m)
                chance5 += m * min(1, 5 / m)
                pairs += m * m
            }
            let queries = Double(usable.count)
            return RetrievalTask(
                candidates: pairs / queries,
                trained: score(gallery: matrices[0], query: matrices[1], groups: groups),
                randomInit: score(gallery: matrices[2], query: matrices[3], groups: groups),
                chance: RetrievalScores(top1: chance1 / queries, top5: chance5 / queries))
        }
        return RetrievalReport(split: split, gallery: gallery, query: query, records: records, tokensPerRecord: perRecord,
                               validTokens: usable.count, acrossRecords: task(byPosition), acrossPositions: task(byRecord),
                               allTokens: task([usable]))
    }

    /// Over every group of token rows: query row i should find gallery row i among the group's rows.
    static func score(gallery: Matrix<Float>, query: Matrix<Float>, groups: [[Int]]) -> RetrievalScores {
        var hits = (0.0, 0.0), queries = 0
        for group in groups where !group.isEmpty {
            let s = score(gallery: gallery.gatherRows(group), query: query.gatherRows(group))
            hits = (hits.0 + s.top1 * Double(group.count), hits.1 + s.top5 * Double(group.count))
            queries += group.count
        }
        return RetrievalScores(top1: hits.0 / Double(max(1, queries)), top5: hits.1 / Double(max(1, queries)))
    }

    /// Row i of `query` should find row i of `gallery` (both L2-normalised). A query counts as a hit
    /// at k when fewer than k other gallery rows score at least as high as the right one (ties count
    /// against it).
    static func score(gallery: Matrix<Float>, query: Matrix<Float>) -> RetrievalScores {
        var top1 = 0, top5 = 0
        let chunk = 512
        for start in stride(from: 0, to: query.rows, by: chunk) {
            let rows = start..<min(query.rows, start + chunk)
            let similarity = query.block(rows: rows, cols: 0..<query.cols).matmul(gallery, transposeOther: true)
            for (i, r) in rows.enumerated() {
                let right = similarity[i, r]
                var better = 0
                for j in 0..<gallery.rows where j != r && similarity[i, j] >= right { better += 1 }
                if better == 0 { top1 += 1 }
                if better < 5 { top5 += 1 }
            }
        }
        return RetrievalScores(top1: Double(top1) / Double(query.rows), top5: Double(top5) / Double(query.rows))
    }
}
