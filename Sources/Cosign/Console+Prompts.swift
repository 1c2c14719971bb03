import SigstoreCore

/// Password and confirmation prompts, following cosign.
extension Console {
    /// A private key's password: `COSIGN_PASSWORD` wins (even when empty); otherwise a terminal is prompted without
    /// echo (twice when `confirm`); otherwise all of standard input is the password, verbatim.
    public func password(confirm: Bool) throws -> [UInt8] {
        let context = self
        if let value = context.environment["COSIGN_PASSWORD"] { return Array(value.utf8) }
        if context.stdin.isTerminal {
            context.stderr.write("Enter password for private key: ")
            let first = context.stdin.readSecretLine() ?? ""
            context.stderr.write("\n")
            if confirm {
                context.stderr.write("Enter password for private key again: ")
                let second = context.stdin.readSecretLine() ?? ""
                context.stderr.write("\n")
                guard first == second else { throw CosignError(.invalidInput, "passwords do not match") }
            }
            return Array(first.utf8)
        }
        return context.stdin.readAll()
    }

    /// cosign's `Are you sure you would like to continue? [y/N]`; anything but y/Y declines.
    public func confirmContinue() throws {
        let context = self
        context.stderr.write("Are you sure you would like to continue? [y/N] ")
        let answer = (context.stdin.readLine() ?? "").trimmingCharacters(in: [" ", "\t", "\r"])
        switch answer.lowercased() {
        case "y": return
        case "", "n": throw CosignError(.declined, "user declined the prompt")
        default: throw CosignError(.declined, "invalid input \"\(answer)\" (allowed values [y, n])")
        }
    }
}

extension String {
    func trimmingCharacters(in set: Set<Character>) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
