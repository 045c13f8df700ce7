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

/** Checks checkpoint and ledger head signatures against the trusted ledger public keys, found by key id. */
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
        JWSObject jws;
        try {
            jws = verified(keyId, signature);
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
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

    /**
     * @return the ledger head in {@code signature}, a compact JWS by a trusted key (found by its {@code kid})
     * @throws IllegalArgumentException saying why {@code signature} does not vouch for a ledger head
     */
    public LedgerHead verifiedHead(String signature) {
        return LedgerHead.parse(verified(keyIdOf(signature), signature).getPayload().toString());
    }

    /**
     * @return the archive manifest in {@code signature}, a compact JWS by a trusted key (found by its {@code kid})
     * @throws IllegalArgumentException saying why {@code signature} does not vouch for an archive manifest
     */
    public ArchiveManifest verifiedArchiveManifest(String signature) {
        return ArchiveManifest.parse(verified(keyIdOf(signature), signature).getPayload().toString());
    }

    private static String keyIdOf(String signature) {
        String keyId;
        try {
            keyId = JWSObject.parse(signature).getHeader().getKeyID();
        } catch (ParseException e) {
            throw new IllegalArgumentException("the signature is not a compact JWS");
        }
        if (keyId == null) {
            throw new IllegalArgumentException("the signature names no key (no kid)");
        }
        return keyId;
    }

    /** @throws IllegalArgumentException unless {@code signature} is a valid JWS by the trusted key {@code keyId} */
    private JWSObject verified(String keyId, String signature) {
        Trusted key = trusted.get(keyId);
        if (key == null) {
            throw new IllegalArgumentException("signed with key " + keyId + ", which is not a trusted ledger key");
        }
        JWSObject jws;
        try {
            jws = JWSObject.parse(signature);
        } catch (ParseException e) {
            throw new IllegalArgumentException("the signature is not a compact JWS");
        }
        if (!keyId.equals(jws.getHeader().getKeyID())) {
            throw new IllegalArgumentException("the signature's kid is not the stored key id " + keyId);
        }
        if (!CheckpointPublicKeys.algorithm(key.key()).equals(jws.getHeader().getAlgorithm())) {
            throw new IllegalArgumentException("the signature's alg " + jws.getHeader().getAlgorithm() + " does not fit key " + keyId);
        }
        try {
            if (!jws.verify(key.verifier())) {
                throw new IllegalArgumentException("the signature does not verify under key " + keyId);
            }
        } catch (JOSEException e) {
            throw new IllegalArgumentException("the signature cannot be verified under key " + keyId + " (" + e.getClass().getSimpleName() + ")");
        }
        return jws;
    }
}
