package dev.octosts.ledger;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import dev.octosts.keys.SigningKey;
import java.security.PublicKey;
import java.time.Instant;
import java.util.UUID;

/**
 * Signs chain heads with the ledger key: a compact JWS over {@code {"chain_id","seq","hash","signed_at"}}
 * (a checkpoint) or over a {@link LedgerHead} (an anchor), {@code alg} from the key type, {@code kid} = the
 * key's RFC 7638 thumbprint.
 */
public final class CheckpointSigner {
    private final SigningKey key;
    private final JWSAlgorithm algorithm;
    private final String keyId;

    public CheckpointSigner(SigningKey key) {
        this.key = key;
        this.algorithm = CheckpointPublicKeys.algorithm(key.publicKey());
        this.keyId = keyId(key.publicKey());
    }

    public String keyId() {
        return keyId;
    }

    public PublicKey publicKey() {
        return key.publicKey();
    }

    public String sign(UUID chainId, long seq, String hash, Instant signedAt) {
        return sign(new CheckpointPayload(chainId, seq, hash, signedAt).json(), "a ledger checkpoint");
    }

    /** Signs the heads of all chains, for an anchor kept outside the database. */
    public String sign(LedgerHead head) {
        return sign(head.json(), "a ledger head");
    }

    /** Signs an archive's manifest: the archive can then be checked without the database. */
    public String sign(ArchiveManifest manifest) {
        return sign(manifest.json(), "an archive manifest");
    }

    private String sign(String payload, String what) {
        JWSObject jws = new JWSObject(new JWSHeader.Builder(algorithm).keyID(keyId).build(), new Payload(payload));
        try {
            jws.sign(key.jwsSigner());
        } catch (JOSEException e) {
            // The key's description names where it lives, never its material.
            throw new IllegalStateException("cannot sign " + what + " with " + key.description()
                    + " (" + e.getClass().getSimpleName() + ")", e);
        }
        return jws.serialize();
    }

    /** Base64url SHA-256 JWK thumbprint (RFC 7638) of {@code key}. */
    public static String keyId(PublicKey key) {
        return CheckpointPublicKeys.keyId(key);
    }
}
