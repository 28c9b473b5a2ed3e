import DatasetBuilder
import Foundation
import MSADTrainer
import TestSupport
import Testing

@Suite("Trainer: runs, checkpoints and exact resume")
struct TrainerTests {
    /// 20 train records in batches of 6: 3 batches per epoch, so 7 steps cross two epoch boundaries.
    /// The msad-dense runs also use flips and rotations.
    static func options(_ dataset: String, loss: LossKind = .msad, steps: Int = 7) -> TrainingOptions {
        TrainingOptions(dataset: dataset, sensors: ["fine", "coarse"], loss: loss, steps: steps, batchSize: 6, learningRate: 3e-3,
                        augment: loss == .msadDense, checkpointEvery: 3, seed: 4, workers: 2, blasThreads: 1, grid: 2, width: 8, depth: 1,
                        heads: 2, projection: 4)
    }

    static func losses(_ run: String) throws -> [Double] {
        try String(contentsOfFile: run + "/" + RunDirectory.logFile, encoding: .utf8).split(separator: "\n").map {
            try JSONDecoder().decode(StepReport.self, from: Data($0.utf8)).loss
        }
    }

    @Test("A run stopped after step 5 (last checkpoint: step 3) and resumed ends with the same parameters, optimizer and log (msad-dense: with augmentations)",
          arguments: [LossKind.msad, .msadDense])
    func exactResume(loss: LossKind) throws {
        let dataset = try TrainerFixtures.correlatedDataset()
        let tmp = TestEnvironment.temporaryDirectory()
        let whole = try Trainer(options: Self.options(dataset, loss: loss), runDirectory: tmp + "/whole", resume: false)
        try whole.run()

        let interrupted = try Trainer(options: Self.options(dataset, loss: loss), runDirectory: tmp + "/split", resume: false)
        try interrupted.run(until: 5)
        let resumed = try Trainer(options: Self.options(dataset, loss: loss), runDirectory: tmp + "/split", resume: true)
        #expect(resumed.step == 3)
        #expect(try Self.losses(tmp + "/split").count == 3)      // steps 4 and 5 were after the last checkpoint
        try resumed.run()

        #expect(resumed.step == 7)
        #expect(resumed.model.flattened == whole.model.flattened)
        #expect(resumed.optimizer == whole.optimizer)
        #expect(try Self.losses(tmp + "/split") == Self.losses(tmp + "/whole"))
        let files = try FileManager.default.contentsOfDirectory(atPath: tmp + "/whole")
        for name in ["checkpoint-000000.safetensors", "checkpoint-000003.safetensors", "checkpoint-000006.safetensors",
                     "checkpoint-000007.safetensors", "optimizer-000007.safetensors", RunDirectory.referenceFile, RunDirectory.stateFile] {
            #expect(files.contains(name), "missing \(name)")
        }
        let last = try MSADModel<Float>(checkpoint: tmp + "/whole/checkpoint-000007.safetensors")
        #expect(last.flattened == whole.model.flattened)
    }

    @Test("A run directory is never overwritten, and resuming with other options names them")
    func runDirectoryGuards() throws {
        let dataset = try TrainerFixtures.correlatedDataset()
        let run = TestEnvironment.temporaryDirectory() + "/run"
        _ = try Trainer(options: Self.options(dataset), runDirectory: run, resume: false)
        #expect { try Trainer(options: Self.options(dataset), runDirectory: run, resume: false) } throws: { "\($0)".contains("--resume") }
        var other = Self.options(dataset)
        other.batchSize = 4
        #expect { try Trainer(options: other, runDirectory: run, resume: true) } throws: { "\($0)".contains("batchSize: run 6, now 4") }
        #expect { try Trainer(options: Self.options(dataset), runDirectory: run + "-none", resume: true) } throws: {
            "\($0)".contains("nothing to resume")
        }
        var tooBig = Self.options(dataset)
        tooBig.batchSize = 21
        #expect { try Trainer(options: tooBig, runDirectory: run + "-big", resume: false) } throws: { "\($0)".contains("fewer than --batch 21") }
        var badGrid = Self.options(dataset)
        badGrid.grid = 3
        #expect { try Trainer(options: badGrid, runDirectory: run + "-grid", resume: false) } throws: {
            "\($0)".contains("sensor fine") && "\($0)".contains("--grid 3")
        }
    }

    @Test("Evaluation: three candidate sets with chance from their sizes; tokens under half valid are left out; the trained model beats its random init")
    func evaluation() throws {
        let dataset = try TrainerFixtures.correlatedDataset()
        let run = TestEnvironment.temporaryDirectory() + "/run"
        let trainer = try Trainer(options: Self.options(dataset, loss: .msadDense, steps: 30), runDirectory: run, resume: false)
        try trainer.run()
        let report = try RetrievalReport.evaluate(model: trainer.model, dataset: dataset, split: "val", gallery: "fine", query: "coarse", batchSize: 5)
        #expect(report.records == 8 && report.tokensPerRecord == 4 && report.validTokens == 32)
        // 8 records × 4 positions: 8 candidates at a position, 4 in a record, 32 in all.
        for (task, m) in [(report.acrossRecords, 8.0), (report.acrossPositions, 4.0), (report.allTokens, 32.0)] {
            #expect(task.candidates == m && task.chance == RetrievalScores(top1: 1 / m, top5: min(1, 5 / m)))
            for s in [task.trained, task.randomInit] { #expect((0...1).contains(s.top1) && s.top1 <= s.top5 && s.top5 <= 1) }
        }
        #expect(report.acrossPositions.trained.top5 == 1, "5 candidates or fewer: every query is a top-5 hit")
        #expect(report.allTokens.trained.top5 > report.allTokens.randomInit.top5)
        #expect { try RetrievalReport.evaluate(model: trainer.model, dataset: dataset, split: "val", gallery: "fine", query: "s9") } throws: {
            "\($0)".contains("fine,coarse")
        }

        // Masked: the 4 even records lose one token each (all invalid); half-valid tokens still count.
        let masked = try RetrievalReport.evaluate(model: trainer.model, dataset: try TrainerFixtures.correlatedDataset(masked: ["val"]),
                                                  split: "val", gallery: "fine", query: "coarse", batchSize: 3)
        #expect(masked.validTokens == 28)
        // Position 0 keeps the 4 odd records; the even records keep 3 tokens, the odd ones 4.
        let atPosition: Double = 4 * 4 + 3 * 8 * 8, inRecord: Double = 4 * 3 * 3 + 4 * 4 * 4
        #expect(masked.acrossRecords.candidates == atPosition / 28)
        #expect(masked.acrossPositions.candidates == inRecord / 28)
        #expect(masked.allTokens.candidates == 28 && masked.allTokens.chance.top1 == 1.0 / 28)
    }

    @Test("train-msad: --help, and bad arguments give a usage error naming the option or the sensor")
    func commandLine() throws {
        #expect(try TestEnvironment.runProduct("train-msad", ["train", "--help"]).output.contains("--checkpoint-every"))
        #expect(try TestEnvironment.runProduct("train-msad", ["evaluate", "--help"]).output.contains("random init"))
        let dataset = try TrainerFixtures.correlatedDataset()
        let noSensors = try TestEnvironment.runProduct("train-msad", ["train", dataset, "--out", "/tmp/x"])
        #expect(noSensors.status == 2 && noSensors.errors.contains("--sensors"))
        let unknown = try TestEnvironment.runProduct("train-msad", ["train", dataset, "--sensors", "fine,s9", "--out",
                                                                    TestEnvironment.temporaryDirectory() + "/r"])
        #expect(unknown.status == 1 && unknown.errors.contains("no sensor \"s9\""))
        let badLoss = try TestEnvironment.runProduct("train-msad", ["train", dataset, "--sensors", "fine,coarse", "--out", "/tmp/x", "--loss", "l2"])
        #expect(badLoss.status == 2 && badLoss.errors.contains("--loss"))
    }
}

@Suite("Training on real data", .enabled(if: TestEnvironment.hasBigEarthNet))
struct RealDataTrainingTests {
    @Test("60 steps on the BigEarthNet sample (S1 + S2, 120 m tiles) lower the MSAD loss by more than 20 %")
    func lowersLoss() throws {
        let manifest = try ManifestParser.load(path: TestEnvironment.repositoryRoot + "/manifests/bigearthnet-s1s2-tiles.json")
        let dataset = TestEnvironment.temporaryDirectory() + "/tiles"
        _ = try BuildExecutor.build(plan: try Planner.plan(manifest), output: dataset, jobs: 2, restart: false)
        let options = TrainingOptions(dataset: dataset, sensors: ["s1", "s2"], steps: 60, batchSize: 16, learningRate: 1e-3,
                                      checkpointEvery: 60, workers: 1, blasThreads: 2, grid: 4, width: 32, depth: 1, heads: 2, projection: 16)
        let run = TestEnvironment.temporaryDirectory() + "/run"
        let trainer = try Trainer(options: options, runDirectory: run, resume: false)
        #expect(trainer.model.config.sensors.map(\.pixelsPerToken) == [3, 3])
        try trainer.run()
        let losses = try TrainerTests.losses(run)
        let first = losses.prefix(10).reduce(0, +) / 10, last = losses.suffix(10).reduce(0, +) / 10
        #expect(last < 0.8 * first, "loss \(first) → \(last)")
    }
}

/// Whether `python3` can import torch (else a notice says the cross-check is skipped).
let torchAvailable = TestEnvironment.pythonCanImport("torch, safetensors", else: "the PyTorch cross-check (Scripts/msad_reference.py)")

@Suite("PyTorch cross-check", .enabled(if: torchAvailable))
struct PyTorchCrossCheck {
    @Test("Scripts/msad_reference.py rebuilds the model in PyTorch: loss and every gradient agree within 1e-3, with and without tokens under half valid",
          arguments: [LossKind.msad, .msadDense], [false, true])
    func agrees(loss: LossKind, masked: Bool) throws {
        let dataset = try TrainerFixtures.correlatedDataset(masked: masked ? ["train"] : [])
        let run = TestEnvironment.temporaryDirectory() + "/run"
        var options = TrainerTests.options(dataset, loss: loss, steps: 1)
        options.width = 12; options.depth = 2; options.heads = 3
        try Trainer(options: options, runDirectory: run, resume: false).run()
        let check = try TestEnvironment.run("python3", [TestEnvironment.repositoryRoot + "/Scripts/msad_reference.py", run])
        print(check.output, terminator: "")
        #expect(check.status == 0, "\(check.output)\(check.errors)")
        #expect(check.output.contains("agree"))
        #expect(check.output.contains(" 0 tokens under half valid") != masked, "the masked batch must leave tokens out")
    }
}

@Suite("train-msad crash and --resume")
struct CommandLineResumeTests {
    @Test("A train-msad process killed after step 5 and resumed writes the same final checkpoint as an uninterrupted run")
    func killedAndResumed() throws {
        let dataset = try TrainerFixtures.correlatedDataset()
        let tmp = TestEnvironment.temporaryDirectory()
        let arguments = ["train", dataset, "--sensors", "fine,coarse", "--steps", "8", "--batch", "6", "--checkpoint-every", "4",
                         "--grid", "2", "--width", "8", "--depth", "1", "--heads", "2", "--projection", "4", "--workers", "2", "--blas-threads", "1"]
        let whole = try TestEnvironment.runProduct("train-msad", arguments + ["--out", tmp + "/whole"])
        #expect(whole.status == 0, "\(whole.errors)")
        let crashed = try TestEnvironment.runProduct("train-msad", arguments + ["--out", tmp + "/run"], environment: ["GEOPAIRS_CRASH_AFTER_STEPS": "5"])
        #expect(crashed.status == 86)
        let resumed = try TestEnvironment.runProduct("train-msad", arguments + ["--out", tmp + "/run", "--resume"])
        #expect(resumed.status == 0 && resumed.errors.contains("resuming at step 4"), "\(resumed.errors)")
        for file in ["checkpoint-000008.safetensors", "optimizer-000008.safetensors"] {
            let a = FileManager.default.contents(atPath: tmp + "/whole/" + file), b = FileManager.default.contents(atPath: tmp + "/run/" + file)
            #expect(a != nil && a == b, "\(file) differs")
        }
        #expect(try TrainerTests.losses(tmp + "/run") == TrainerTests.losses(tmp + "/whole"))
    }
}
