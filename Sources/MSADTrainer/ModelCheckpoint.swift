import Foundation

/// Model checkpoints: safetensors with PyTorch-layout tensors named `encoders.<sensor>.…` and
/// `heads.<sensor>.…`, and the ``ModelConfig`` as JSON under `__metadata__["geopairs.model"]`.
extension MSADModel: NamedParameters where T == Float {
    static var configKey: String { "geopairs.model" }

    public func tensors(prefix: String = "") -> [NamedTensor] {
        config.sensors.indices.flatMap { i in
            encoders[i].tensors(prefix: prefix + "encoders.\(config.sensors[i].name).")
                + heads[i].tensors(prefix: prefix + "heads.\(config.sensors[i].name).")
        }
    }

    public mutating func load(tensors: [String: NamedTensor], prefix: String = "") throws {
        for i in config.sensors.indices {
            try encoders[i].load(tensors: tensors, prefix: prefix + "encoders.\(config.sensors[i].name).")
            try heads[i].load(tensors: tensors, prefix: prefix + "heads.\(config.sensors[i].name).")
        }
    }

    /// Writes the parameters (atomically) with the configuration and `metadata` in the header.
    public func save(to path: String, metadata: [String: String] = [:]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys       // the same bytes from every process
        let config = String(decoding: try encoder.encode(self.config), as: UTF8.self)
        try SafeTensors.write(tensors(), metadata: metadata.merging([Self.configKey: config]) { $1 }, to: path)
    }

    /// Reads a checkpoint written by ``save(to:metadata:)``.
    public init(checkpoint path: String) throws {
        let (tensors, metadata) = try SafeTensors.read(path)
        guard let json = metadata[Self.configKey],
              let config = try? JSONDecoder().decode(ModelConfig.self, from: Data(json.utf8)) else {
            throw CheckpointError(file: path, message: "no model configuration (\"\(Self.configKey)\") in the header metadata")
        }
        if let problem = config.problem { throw CheckpointError(file: path, message: "model configuration: \(problem)") }
        // The configuration decides how much memory the model takes: it is built only when the
        // file holds enough values to fill most of it (a missing tensor is then named by `load`).
        let stored = tensors.values.reduce(0) { $0 + $1.values.count }
        guard let needed = config.parameterCount, needed <= 2 * stored else {
            throw CheckpointError(file: path, message: "holds \(stored) values; its model configuration needs \(config.parameterCount ?? -1)")
        }
        self.init(config: config)
        do {
            try load(tensors: tensors)
        } catch let error as CheckpointError {
            throw CheckpointError(file: path, message: error.message)
        }
    }
}
