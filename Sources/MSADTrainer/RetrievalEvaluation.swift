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

/// The evaluation of `train-msad evaluate`: for every token of the query sensor in a split, is the
/// nearest gallery-sensor token (cosine of the projected tokens) the one at the same record and
/// position? Reported for the trained model, the same model at its random initialisation, and chance.
public struct RetrievalReport: Codable, Sendable, Equatable {
    public var split: String
    public var gallery: String
    public var query: String
    public var records: Int
    /// Gallery size: records × G² tokens.
    public var candidates: Int
    public var trained: RetrievalScores
    public var randomInit: RetrievalScores
    public var chance: RetrievalScores

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
                                                 shuffle: .none, workers: workers, remainder: .pad, metadata: false, storage: storage))
        } catch {
            throw TrainingError("\(error)")
        }
        guard !loader.records.isEmpty else { throw TrainingError("split \"\(split)\" of \(dataset) has no record with \(gallery) and \(query)") }
        // The encoders read patches of the shape they were built for: the dataset's must match.
        for (index, name) in [(g, gallery), (q, query)] {
            let sensor = model.config.sensors[index], side = model.config.grid * sensor.pixelsPerToken
            let shape = loader.reader.index.sensor(name)?.shape ?? []
            guard shape == [sensor.channels, side, side] else {
                throw TrainingError("the checkpoint's \(name) encoder takes \(sensor.channels)×\(side)×\(side) patches; \(dataset) has \(shape)")
            }
        }
        var tokens: [[Float]] = [[], [], [], []]     // trained gallery, trained query, random gallery, random query
        var records = 0
        try loader.forEach { batch in
            let keep = (0..<batch.count).filter { !batch.isPadding[$0] }
            let pixels = [(g, gallery), (q, query)].map { index, name in
                batch[name]!.withUnsafeValues { model.encoders[index].embedding.tokens($0, records: batch.count) }
            }
            for (slot, m) in [model, random].enumerated() {
                let projected = [m.heads[g].forward(m.encoders[g].forward(pixels[0])), m.heads[q].forward(m.encoders[q].forward(pixels[1]))]
                for (side, p) in projected.enumerated() {
                    let rows = keep.flatMap { k in (k * model.tokensPerRecord)..<((k + 1) * model.tokensPerRecord) }
                    tokens[2 * slot + side] += MSADDenseLoss.normalize(p.gatherRows(rows)).0.values
                }
            }
            records += keep.count
        }
        let n = records * model.tokensPerRecord, e = model.config.projection
        func scores(_ a: [Float], _ b: [Float]) -> RetrievalScores {
            score(gallery: Matrix(rows: n, cols: e, values: a), query: Matrix(rows: n, cols: e, values: b))
        }
        return RetrievalReport(split: split, gallery: gallery, query: query, records: records, candidates: n,
                               trained: scores(tokens[0], tokens[1]), randomInit: scores(tokens[2], tokens[3]),
                               chance: RetrievalScores(top1: min(1, 1 / Double(n)), top5: min(1, 5 / Double(n))))
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
