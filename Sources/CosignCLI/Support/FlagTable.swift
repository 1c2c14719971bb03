import ArgumentParser
import Cosign
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The flag table cosign's command-line conventions need, read from swift-argument-parser's help dump.
enum FlagTable {
    private struct Dump: Decodable {
        var command: Command
        struct Command: Decodable {
            var commandName: String
            var subcommands: [Command]?
            var arguments: [Argument]?
        }
        struct Argument: Decodable {
            var kind: String
            var names: [Name]?
        }
        struct Name: Decodable {
            var kind: String
            var name: String
        }
    }

    static func describe(root: any ParsableCommand.Type) -> [[String]: CommandLineConventions.CommandShape] {
        var result: [[String]: CommandLineConventions.CommandShape] = [[]: CommandLineConventions.CommandShape()]
        let json: String
        do {
            _ = try root.parseAsRoot(["--experimental-dump-help"])
            return result
        } catch {
            json = root.fullMessage(for: error)
        }
        guard let dump = try? JSONDecoder().decode(Dump.self, from: Data(json.utf8)) else { return result }
        func walk(_ command: Dump.Command, path: [String]) {
            var shape = CommandLineConventions.CommandShape()
            for argument in command.arguments ?? [] {
                for name in argument.names ?? [] where name.kind == "long" {
                    if argument.kind == "flag" { shape.flags.insert(name.name) }
                    if argument.kind == "option" { shape.options.insert(name.name) }
                }
            }
            shape.flags.remove("help")
            result[path] = shape
            for sub in command.subcommands ?? [] { walk(sub, path: path + [sub.commandName]) }
        }
        walk(dump.command, path: [])
        return result
    }
}
