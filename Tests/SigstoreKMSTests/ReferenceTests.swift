import SigstoreKMS
import SigstorePKCS11
import Testing

@Suite("managed-key reference grammars (Go cosign's)")
struct ReferenceTests {
    @Test(
        "awskms:// references: key ids, ARNs, aliases, endpoints",
        arguments: [
            ("awskms:///1234abcd-12ab-34cd-56ef-1234567890ab", nil, "1234abcd-12ab-34cd-56ef-1234567890ab", nil),
            ("awskms:///mrk-1234abcd12ab34cd56ef1234567890ab", nil, "mrk-1234abcd12ab34cd56ef1234567890ab", nil),
            ("awskms://localhost:4566/1234abcd-12ab-34cd-56ef-1234567890ab", "localhost:4566", "1234abcd-12ab-34cd-56ef-1234567890ab", nil),
            (
                "awskms:///arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", nil,
                "arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", nil
            ),
            ("awskms:///alias/ExampleAlias", nil, "alias/ExampleAlias", "alias/ExampleAlias"),
            ("awskms://localhost:4566/alias/ExampleAlias", "localhost:4566", "alias/ExampleAlias", "alias/ExampleAlias"),
            (
                "awskms:///arn:aws-us-gov:kms:us-gov-west-1:111122223333:alias/ExampleAlias", nil,
                "arn:aws-us-gov:kms:us-gov-west-1:111122223333:alias/ExampleAlias", "alias/ExampleAlias"
            ),
        ] as [(String, String?, String, String?)])
    func aws(reference: String, endpoint: String?, keyID: String, alias: String?) throws {
        let parsed = try AWSKMSKey.parse(reference)
        #expect(parsed.endpoint == endpoint && parsed.keyID == keyID && parsed.alias == alias)
    }

    @Test(
        "malformed awskms:// references are refused",
        arguments: [
            "awskms://", "awskms:/alias/x", "awskms://host", "awskms:///", "awskms:///alias/", "awskms:///not-a-uuid",
            "awskms:///1234abcd-12ab-34cd-56ef-1234567890", "awskms:///arn:aws:kms:us-east-1:123:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "awskms:///arn:aws:s3:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "awskms:///arn:aws:kms:US-EAST-1:111122223333:alias/x",
        ])
    func awsMalformed(reference: String) {
        #expect(throws: KMSError.self) { try AWSKMSKey.parse(reference) }
    }

    @Test("hashivault:// and openbao:// references name one transit key")
    func vault() throws {
        #expect(try VaultTransitKey.parse("hashivault://cosign") == "cosign")
        #expect(try VaultTransitKey.parse("openbao://my-key.v1") == "my-key.v1")
        #expect(try VaultTransitKey.parse("hashivault://a") == "a")
        for bad in ["hashivault://", "hashivault://a/b", "hashivault://-a", "hashivault://a-", "hashivault://a b", "vault://a", "hashivault://ä"] {
            #expect(throws: KMSError.self, "\(bad)") { try VaultTransitKey.parse(bad) }
        }
    }

    @Test("PKCS#11 URIs: cosign's attributes, precedence, and the URI cosign writes")
    func pkcs11() throws {
        let uri = try PKCS11URI(parsing: "pkcs11:token=token%20label;slot-id=1;id=%6b%65%79%5f%69%64;object=key%20label?module-path=/lib/m.so&pin-value=1234")
        #expect(uri.token == "token label" && uri.slotID == 1 && uri.id == Array("key_id".utf8) && uri.object == "key label")
        #expect(uri.modulePath == "/lib/m.so" && uri.pin == "1234")
        #expect(uri.uriString == "pkcs11:token=token%20label;slot-id=1;id=%6b%65%79%5f%69%64;object=key%20label?module-path=/lib/m.so&pin-value=1234")
        #expect(!uri.description.contains("1234"), "the description hides the PIN")
        let fromEnv = try PKCS11URI(parsing: "pkcs11:token=t;object=o", environment: ["COSIGN_PKCS11_MODULE_PATH": "/usr/lib/x.so"])
        #expect(fromEnv.modulePath == "/usr/lib/x.so")
        #expect(PKCS11URI(slotID: 3, id: [1], modulePath: "/m.so").uriString == "pkcs11:;slot-id=3;id=%01?module-path=/m.so")
        for bad in [
            "pkcs11:object=o?module-path=/m.so", "pkcs11:token=t?module-path=/m.so", "pkcs11:token=t;object=o", "pkcs11:token=t;object=o?module-path=m.so",
            "pkcs11:slot-id=-1;object=o?module-path=/m.so", "pkcs11:token=%zz;object=o?module-path=/m.so", "pkcs12:token=t;object=o?module-path=/m.so",
        ] {
            #expect(throws: KMSError.self, "\(bad)") { try PKCS11URI(parsing: bad) }
        }
    }
}
