import Foundation
import PairLoader
import Testing

// --- README example begins ---
/// Two epochs over the train split of a dataset with sensors s1 and s2, saving the loader's state.
func train(dataset: String) throws -> Int {
    let config = LoaderConfig(
        directory: dataset, split: "train", sensors: ["s1", "s2"], batchSize: 4,
        shuffle: .global, seed: 42, rank: 0, worldSize: 1, workers: 2, prefetch: 4,
        augmentation: Augmentation(flipsHorizontally: true, rotates90: true))
    let loader = try PairLoader(config)
    var steps = 0
    for epoch in 0..<2 {
        loader.setEpoch(epoch)
        for batch in loader {
            let s1 = batch["s1"]!, s2 = batch["s2"]!       // Float32 [B, C, H, W] tensors, normalised
            precondition(s1.shape[0] == s2.shape[0])
            // s1.withUnsafeValues { … } (or s1.values, a copy); s1.withUnsafeMask { … }; batch.isPadding
            steps += 1
        }
        if let failure = loader.failure { throw failure }
        let checkpoint = try JSONEncoder().encode(loader.state)    // save it beside the model weights
        _ = try PairLoader(config, state: try JSONDecoder().decode(LoaderState.self, from: checkpoint))
    }
    return steps
}
// --- README example ends ---

@Suite("README")
struct ReadmeExampleTests {
    @Test("The README's training loop runs")
    func trainingLoop() throws {
        #expect(try train(dataset: try LoaderFixtures.numberedDataset(names: ("s1", "s2"))) == 2 * 9)
    }
}
