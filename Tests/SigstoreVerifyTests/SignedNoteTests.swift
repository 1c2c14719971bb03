import SigstoreJSON
@testable import SigstoreVerify
import Testing

@Suite("signed notes (checkpoints) are read as their signer wrote them")
struct SignedNoteTests {
    @Test("a signature line whose base64 padding bits were changed is refused; the canonical one parses")
    func canonicalBase64() throws {
        let raw: [UInt8] = Array(0..<68)  // key hint (4 bytes) and a 64-byte signature
        let canonical = Base64.encode(raw)
        #expect(canonical.hasSuffix("=") && !canonical.hasSuffix("=="))
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        var chars = Array(canonical)
        let last = chars.count - 2
        chars[last] = alphabet[alphabet.firstIndex(of: chars[last])! ^ 1]
        let altered = String(chars)
        #expect(Base64.decodeStrict(altered) == raw, "the altered text decodes to the same bytes")
        let body = "example.com/log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
        let note = try SignedNote(body + "\n\u{2014} example.com/log \(canonical)\n")
        #expect(note.signatures.count == 1)
        #expect(throws: VerificationError.self) { try SignedNote(body + "\n\u{2014} example.com/log \(altered)\n") }
    }
}
