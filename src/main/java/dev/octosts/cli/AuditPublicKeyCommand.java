package dev.octosts.cli;

import dev.octosts.ledger.CheckpointPublicKeys;
import dev.octosts.ledger.CheckpointSigner;
import java.security.PublicKey;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code octo-sts audit public-key}: publishes the ledger public key so anyone can verify checkpoints offline. */
@Command(name = "public-key", mixinStandardHelpOptions = true,
        description = "Print the ledger public key (of LEDGER_SIGNING_KEY_FILE) as PEM with its key id, or as a JWK.")
final class AuditPublicKeyCommand extends AuditCommand.Subcommand {

    @Option(names = "--format", paramLabel = "pem|jwk", defaultValue = "pem",
            description = "pem (default): PEM block and a 'key id:' line; jwk: one JSON object.")
    String format;

    @Override
    public Integer call() {
        if (!format.equals("pem") && !format.equals("jwk")) {
            throw new IllegalArgumentException("--format must be pem or jwk");
        }
        PublicKey key = audit.ledgerKey("the ledger key whose public half is printed").publicKey();
        if (format.equals("jwk")) {
            audit.out().println(CheckpointPublicKeys.jwk(key).toJSONString());
        } else {
            audit.out().print(CheckpointPublicKeys.pem(key));
            audit.out().println("key id: " + CheckpointSigner.keyId(key));
        }
        return 0;
    }
}
