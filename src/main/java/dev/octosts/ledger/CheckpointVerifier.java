package dev.octosts.ledger;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSVerifier;
import java.security.PublicKey;
import java.text.ParseException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** Checks checkpoint signatures against the trusted ledger public keys, found by key id. */
public final class CheckpointVerifier {
    private record Trusted(PublicKey key, JWSVerifier verifier) {
    }

    private final Map<String, Trusted> trusted = new HashMap<>();

    public CheckpointVerifier(List<PublicKey> trustedKeys) {
        for (PublicKey key : trustedKeys) {
            trusted.put(CheckpointSigner.keyId(key), new Trusted(key, CheckpointPublicKeys.verifier(key)));
        }
    }

    /**
     * @return why {@code signature} does not vouch for this stored checkpoint, or empty when it is a valid
     *         signature by a trusted key over exactly these values
     */
    public Optional<String> check(UUID chainId, long seq, String hash, Instant signedAt, String keyId, String signature) {
        Trusted key = trusted.get(keyId);
        if (key == null) {
            return Optional.of("signed with key " + keyId + ", which is not a trusted ledger key");
        }
        JWSObject jws;
        try {
            jws = JWSObject.parse(signature);
        } catch (ParseException e) {
            return Optional.of("the signature is not a compact JWS");
        }
        if (!keyId.equals(jws.getHeader().getKeyID())) {
            return Optional.of("the signature's kid is not the stored key id " + keyId);
        }
        if (!CheckpointPublicKeys.algorithm(key.key()).equals(jws.getHeader().getAlgorithm())) {
            return Optional.of("the signature's alg " + jws.getHeader().getAlgorithm() + " does not fit key " + keyId);
        }
        try {
            if (!jws.verify(key.verifier())) {
                return Optional.of("the signature does not verify under key " + keyId);
            }
        } catch (JOSEException e) {
            return Optional.of("the signature cannot be verified under key " + keyId + " (" + e.getClass().getSimpleName() + ")");
        }
        CheckpointPayload signed;
        try {
            signed = CheckpointPayload.parse(jws.getPayload().toString());
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
        if (!signed.equals(new CheckpointPayload(chainId, seq, hash, signedAt))) {
            return Optional.of("the signature covers chain " + signed.chainId() + " seq " + signed.seq() + " hash "
                    + signed.hash() + " signed at " + signed.signedAt() + ", not the stored checkpoint");
        }
        return Optional.empty();
    }
}
