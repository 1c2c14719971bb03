import ArgumentParser
import Cosign
@testable import CosignCLI
import Testing

/// The static flag table read at start-up against the commands it describes.
@Suite("the static flag table")
struct FlagTableTests {
    @Test("the static flag table matches the commands (else run scripts/generate-command-shapes.py)")
    func matchesTheCommands() {
        let live = FlagTable.introspect(CosignCommand.self)
        #expect(live.count > 40, "the help dump lists every command")
        for (path, shape) in live {
            let generated = FlagTable.generatedShape(path.joined(separator: " "))
            #expect(generated?.flags == shape.flags, "flags of '\(path.joined(separator: " "))'")
            #expect(generated?.options == shape.options, "options of '\(path.joined(separator: " "))'")
        }
        #expect(FlagTable.generatedShape("no-such-command") == nil)
    }

    @Test("describe walks the subcommand names and stops at the first word that is not one")
    func describeWalksThePath() {
        let shapes = FlagTable.describe(root: CosignCommand.self, words: ["attach", "sbom", "--sbom", "x", "attach"])
        #expect(Set(shapes.keys) == [[], ["attach"], ["attach", "sbom"]])
        #expect(shapes[["attach", "sbom"]]?.options.contains("sbom") == true)
        #expect(shapes[["attach"]]?.options.isEmpty == true)
    }

    @Test("a flag given as --name=value and as COSIGN_NAME, and an option from the environment, reach the command")
    func conventionsStillApply() async {
        var conventions = CommandLineConventions { FlagTable.describe(root: CosignCommand.self, words: $0) }
        let normalized = conventions.normalize(
            ["sign-blob", "--tlog-upload=false", "-key", "k", "f"], environment: ["COSIGN_YES": "true", "COSIGN_BUNDLE": "b.json"])
        #expect(normalized == ["sign-blob", "--bundle=b.json", "--yes", "--no-tlog-upload", "--key", "k", "f"])
        #expect(conventions.warnings.count == 1)
    }
}
