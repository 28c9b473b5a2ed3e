/// One training step in Float32: loss and gradients, global-norm clipping, AdamW update.
///
/// Non-generic on purpose: the layers are generic over ``BLASScalar`` (Float64 for the gradient
/// checks), and callers in other modules would otherwise run them unspecialised — element access
/// through generic metadata made a step about 50× slower in a benchmark that called
/// `MSADModel<Float>` directly.
public enum OptimizerStep {
    /// Updates `model` and `optimizer` in place, unless the loss or the gradient is not finite
    /// (then both are left as they were and the returned loss or norm says why).
    /// - Returns: the loss, the gradient norm before clipping and the (unclipped) gradient.
    @discardableResult
    public static func take(model: inout MSADModel<Float>, optimizer: inout AdamW<Float>, pixels: [Matrix<Float>], records: Int,
                            usable: [[Bool]]? = nil, learningRate: Float, clipNorm: Float, decay: [Bool])
        -> (loss: Float, gradientNorm: Float, gradient: MSADModel<Float>) {
        HeapTuning.applied
        let (loss, gradient) = model.lossAndGradient(pixels, records: records, usable: usable)
        let (norm, scale) = clippingScale(gradient, maxNorm: clipNorm)
        guard loss.isFinite, norm.isFinite else { return (loss, norm, gradient) }
        optimizer.update(&model, gradient: gradient, gradientScale: scale, decay: decay, learningRate: learningRate)
        return (loss, norm, gradient)
    }

    /// Sensor `sensor`'s token pixels from its `[B, C, H, W]` batch tensor.
    public static func tokenPixels(model: MSADModel<Float>, sensor: Int, _ batch: UnsafeBufferPointer<Float>, records: Int) -> Matrix<Float> {
        model.encoders[sensor].embedding.tokens(batch, records: records)
    }

    /// The projected tokens (forward pass only).
    public static func forward(model: MSADModel<Float>, pixels: [Matrix<Float>]) -> [Matrix<Float>] {
        model.projectedTokens(pixels)
    }
}
