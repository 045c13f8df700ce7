package dev.octosts.github;

/**
 * A file of a pull request or a comparison.
 *
 * @param status {@code added}, {@code removed}, {@code modified}, {@code renamed}, {@code copied},
 *               {@code changed} or {@code unchanged}
 */
public record ChangedFile(String filename, String status) {
}
