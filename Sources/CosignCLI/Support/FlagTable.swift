import ArgumentParser
import Cosign
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The flag table cosign's command-line conventions need: which long names of a command are flags and which take
/// values.
///
/// It is read from `CommandShapes.swift`, generated from swift-argument-parser's help dump by
/// `scripts/generate-command-shapes.py`, because building the dump at run time costs start-up: about 25 ms for the
/// whole tree, about 5 ms for one command. A command missing from that table is introspected.
enum FlagTable {
    typealias Shape = CommandLineConventions.CommandShape

    /// The shapes of the command that `words` name (a path of subcommand names from `root`), with an empty shape for
    /// each command on the way.
    static func describe(root: any ParsableCommand.Type, words: [String]) -> [[String]: Shape] {
        var result: [[String]: Shape] = [[]: Shape()]
        var command = root
        var path: [String] = []
        for word in words {
            guard let sub = command.configuration.subcommands.first(where: { $0._commandName == word }) else { break }
            command = sub
            path.append(word)
            result[path] = Shape()
        }
        result[path] = generatedShape(path.joined(separator: " ")) ?? introspect(command)[[]] ?? Shape()
        return result
    }

    /// The shapes of `command` and of its subcommands from swift-argument-parser's help dump, by path from `command`.
    static func introspect(_ command: any ParsableCommand.Type) -> [[String]: Shape] {
        var result: [[String]: Shape] = [:]
        let json: String
        do {
            _ = try command.parseAsRoot(["--experimental-dump-help"])
            return result
        } catch {
            json = command.fullMessage(for: error)
        }
        guard let dump = try? JSONDecoder().decode(Dump.self, from: Data(json.utf8)) else { return result }
        func walk(_ command: Dump.Command, path: [String]) {
            var shape = Shape()
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
}
