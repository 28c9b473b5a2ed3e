import ShardFormat
import PairLoader

/// The cross-sensor model: one ``Encoder`` and one ``ProjectionHead`` per sensor, trained with the
/// loss of its ``ModelConfig``. With more than two sensors the loss is the mean over sensor pairs.
public struct MSADModel<T: BLASScalar>: Parameters, Sendable {
    public let config: ModelConfig
    public var encoders: [Encoder<T>]
    public var heads: [ProjectionHead<T>]

    /// Fresh parameters, fully determined by `config.seed`.
    public init(config: ModelConfig) {
        precondition(config.problem == nil, "invalid model configuration: \(config.problem ?? "")")
        self.config = config
        var generator = SeededRandom(seed: config.seed)
        encoders = config.sensors.map { s in
            Encoder(channels: s.channels, grid: config.grid, pixelsPerToken: s.pixelsPerToken, width: config.width,
                    depth: config.depth, heads: config.heads, generator: &generator)
        }
        heads = config.sensors.map { _ in ProjectionHead(inputs: config.width, outputs: config.projection, generator: &generator) }
    }

    public var tokensPerRecord: Int { config.grid * config.grid }

    /// Each sensor's projected tokens, (records · G²)×E, for token pixels from ``PatchEmbedding/tokens(_:records:)``.
    public func projectedTokens(_ pixels: [Matrix<T>]) -> [Matrix<T>] {
        let (encoders, heads) = (encoders, heads)
        return Lanes.map(pixels.count) { heads[$0].forward(encoders[$0].forward(pixels[$0])) }
    }

    /// The loss of one batch and the gradient of every parameter.
    /// - Parameters:
    ///   - pixels: per sensor (in ``ModelConfig/sensors`` order), its token pixels.
    ///   - usable: per sensor, per token, whether it counts (``TokenValidity``); a pair of sensors
    ///     compares the tokens that count in both. `nil`: every token counts.
    public func lossAndGradient(_ pixels: [Matrix<T>], records: Int, usable: [[Bool]]? = nil) -> (loss: T, gradient: MSADModel<T>) {
        precondition(pixels.count == encoders.count, "one token-pixel matrix per sensor")
        // The sensors' encoders are independent: each runs on its own lane, forward and backward.
        let encoders = encoders
        let traces = Lanes.map(pixels.count) { encoders[$0].trace(pixels[$0]) }
        let z = traces.indices.map { encoders[$0].tokens(traces[$0]) }
        var dz = z.map { Matrix<T>(zeros: $0.rows, $0.cols) }
        var headGradients = heads.map { [T](repeating: 0, count: $0.parameterCount) }
        let pairs = z.indices.flatMap { a in ((a + 1)..<z.count).map { (a, $0) } }
        let share = 1 / T(pairs.count)
        var loss: T = 0
        for (a, b) in pairs {
            let both = usable.map { zip($0[a], $0[b]).map { $0 && $1 } }
            let l: T, dza: Matrix<T>, dzb: Matrix<T>, ga: ProjectionHead<T>, gb: ProjectionHead<T>
            switch config.loss {
            case .msad:
                let objective = MSADObjective<T>(temperature: T(config.temperature), smoothing: T(config.smoothing))
                (l, dza, dzb, ga, gb) = objective.evaluate(za: z[a], zb: z[b], batch: records, tokens: tokensPerRecord,
                                                          headA: heads[a], headB: heads[b], usable: both)
            case .msadDense:
                // The two heads are independent: one per lane, forward and backward.
                let (heads, pair) = (heads, [a, b])
                let p = Lanes.map(2) { heads[pair[$0]].forward(z[pair[$0]]) }
                let (dense, dpa, dpb) = MSADDenseLoss.evaluate(za: p[0], zb: p[1], temperature: T(config.temperature), usable: both)
                let dp = [dpa, dpb]
                let backward = Lanes.map(2) { heads[pair[$0]].backward(z[pair[$0]], dp[$0]) }
                l = dense
                ((dza, ga), (dzb, gb)) = (backward[0], backward[1])
            }
            loss += l * share
            dz[a].add(dza, scaledBy: share)
            dz[b].add(dzb, scaledBy: share)
            for (i, v) in ga.flattened.enumerated() { headGradients[a][i] += v * share }
            for (i, v) in gb.flattened.enumerated() { headGradients[b][i] += v * share }
        }
        var gradient = self
        let dTokens = dz
        gradient.encoders = Lanes.map(encoders.count) { encoders[$0].backward(pixels[$0], dTokens[$0], trace: traces[$0]) }
        for s in encoders.indices { gradient.heads[s].load(headGradients[s][...]) }
        return (loss, gradient)
    }

    public mutating func forEachParameterArray(_ body: (inout [T]) -> Void) {
        for i in encoders.indices { encoders[i].forEachParameterArray(body) }
        for i in heads.indices { heads[i].forEachParameterArray(body) }
    }

    public var decayFlags: [Bool] { encoders.flatMap(\.decayFlags) + heads.flatMap(\.decayFlags) }
}
