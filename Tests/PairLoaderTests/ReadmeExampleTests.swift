import Foundation
import PairLoader
import Testing

/// The training loop shown in README.md, kept compiling and running here.
func readmeTrainingLoop(dataset: String) throws -> Int {
    // --- README example begins ---
    let config = LoaderConfig(
        directory: dataset, split: "train", sensors: ["a", "b"], batchSize: 4,
        shuffle: .global, seed: 42, rank: 0, worldSize: 1, workers: 2, prefetch: 4,
        augmentation: Augmentation(horizontalFlip: true, rotate90: true))
    let loader = try PairLoader(config)
    var steps = 0
    for epoch in 0..<2 {
        loader.setEpoch(epoch)
        for batch in loader {
            let a = batch["a"]!, b = batch["b"]!          // Float32 [B, C, H, W] tensors, normalised
            precondition(a.shape[0] == b.shape[0])
            // a.data / b.data: UnsafeMutableBufferPointer<Float>; a.mask: validity; batch.isPadding
            steps += 1
        }
        if let failure = loader.failure { throw failure }
        let checkpoint = try JSONEncoder().encode(loader.state)   // save beside the model weights
        _ = try PairLoader(config, state: try JSONDecoder().decode(LoaderState.self, from: checkpoint))
    }
    // --- README example ends ---
    return steps
}

@Suite("README")
struct ReadmeExampleTests {
    @Test("The README's training loop runs")
    func trainingLoop() throws {
        #expect(try readmeTrainingLoop(dataset: try LoaderFixtures.numberedDataset()) == 2 * 9)
    }
}
