package dev.octosts.cli;

public final class Main {
    public static void main(String[] args) {
    }
}
