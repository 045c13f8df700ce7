package dev.octosts.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads a delivery's payload by its {@code X-GitHub-Event} name, as go-github's {@code ParseWebHook} does: an
 * unknown event name or a payload that does not decode is an error; a field of the wrong JSON type too.
 */
public final class WebhookEvents {
    /** go-github's webhook event names; any other name does not parse. */
    static final Set<String> KNOWN = Set.of("branch_protection_configuration", "branch_protection_rule", "check_run",
            "check_suite", "code_scanning_alert", "commit_comment", "content_reference", "create", "custom_property",
            "custom_property_values", "delete", "dependabot_alert", "deploy_key", "deployment", "deployment_review",
            "deployment_status", "deployment_protection_rule", "discussion", "discussion_comment", "fork",
            "github_app_authorization", "gollum", "installation", "installation_repositories", "installation_target",
            "issue_comment", "issues", "label", "marketplace_purchase", "member", "membership", "merge_group", "meta",
            "milestone", "organization", "org_block", "package", "page_build", "personal_access_token_request", "ping",
            "project", "project_card", "project_column", "projects_v2", "projects_v2_item", "public", "pull_request",
            "pull_request_review", "pull_request_review_comment", "pull_request_review_thread", "pull_request_target",
            "push", "registry_package", "release", "repository", "repository_advisory", "repository_dispatch",
            "repository_import", "repository_ruleset", "repository_vulnerability_alert", "secret_scanning_alert",
            "secret_scanning_alert_location", "security_advisory", "security_and_analysis", "sponsorship", "star",
            "status", "sub_issues", "team", "team_add", "user", "watch", "workflow_dispatch", "workflow_job",
            "workflow_run");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A payload that cannot be read; the message is short and echoes nothing of the payload. */
    public static final class InvalidPayload extends Exception {
        private static final long serialVersionUID = 1L;

        InvalidPayload(String message) {
            super(message, null, false, false);
        }
    }

    private WebhookEvents() {
    }

    public static WebhookEvent parse(String eventName, byte[] payload) throws InvalidPayload {
        if (eventName == null || !KNOWN.contains(eventName)) {
            throw new InvalidPayload("unknown X-GitHub-Event");
        }
        JsonNode root;
        try {
            root = JSON.readTree(payload);
        } catch (IOException e) {
            throw new InvalidPayload("payload is not JSON");
        }
        if (root == null || !root.isObject()) {
            throw new InvalidPayload("payload is not a JSON object");
        }
        return switch (eventName) {
            case "push" -> new WebhookEvent.Push(repository(root), installation(root), text(root, "before"),
                    text(root, "after"), commits(root.path("commits")));
            case "pull_request" -> new WebhookEvent.PullRequest(repository(root), installation(root),
                    text(root, "action"), number(root, "number"), text(object(root, "pull_request").path("head"), "sha"));
            case "check_suite" -> checkSuite(eventName, root, object(root, "check_suite"));
            case "check_run" -> checkSuite(eventName, root, object(object(root, "check_run"), "check_suite"));
            default -> new WebhookEvent.Unhandled(eventName);
        };
    }

    private static WebhookEvent.CheckSuite checkSuite(String eventName, JsonNode root, JsonNode suite) throws InvalidPayload {
        List<Long> pullRequests = new ArrayList<>();
        for (JsonNode pr : array(suite, "pull_requests")) {
            pullRequests.add(number(pr, "number"));
        }
        return new WebhookEvent.CheckSuite(eventName, repository(root), installation(root), text(root, "action"),
                text(object(root, "sender"), "login"), text(suite, "head_branch"), text(suite, "head_sha"),
                text(suite, "before"), pullRequests);
    }

    private static WebhookEvent.Repository repository(JsonNode root) throws InvalidPayload {
        JsonNode repository = object(root, "repository");
        return new WebhookEvent.Repository(text(object(repository, "owner"), "login"), text(repository, "name"),
                text(repository, "default_branch"));
    }

    private static long installation(JsonNode root) throws InvalidPayload {
        return number(object(root, "installation"), "id");
    }

    private static List<WebhookEvent.Commit> commits(JsonNode commits) throws InvalidPayload {
        if (commits.isMissingNode() || commits.isNull()) {
            return List.of();
        }
        if (!commits.isArray()) {
            throw new InvalidPayload("commits is not a list");
        }
        List<WebhookEvent.Commit> out = new ArrayList<>();
        for (JsonNode commit : commits) {
            if (!commit.isObject()) {
                throw new InvalidPayload("a commit is not an object");
            }
            out.add(new WebhookEvent.Commit(strings(commit, "added"), strings(commit, "modified"), strings(commit, "removed")));
        }
        return out;
    }

    /** A nested object; missing or null reads as an empty one. */
    private static JsonNode object(JsonNode parent, String field) throws InvalidPayload {
        JsonNode value = parent.path(field);
        if (value.isMissingNode() || value.isNull()) {
            return JSON.createObjectNode();
        }
        if (!value.isObject()) {
            throw new InvalidPayload(field + " is not an object");
        }
        return value;
    }

    private static JsonNode array(JsonNode parent, String field) throws InvalidPayload {
        JsonNode value = parent.path(field);
        if (value.isMissingNode() || value.isNull()) {
            return JSON.createArrayNode();
        }
        if (!value.isArray()) {
            throw new InvalidPayload(field + " is not a list");
        }
        return value;
    }

    private static String text(JsonNode parent, String field) throws InvalidPayload {
        JsonNode value = parent.path(field);
        if (value.isMissingNode() || value.isNull()) {
            return "";
        }
        if (!value.isTextual()) {
            throw new InvalidPayload(field + " is not a string");
        }
        return value.asText();
    }

    private static long number(JsonNode parent, String field) throws InvalidPayload {
        JsonNode value = parent.path(field);
        if (value.isMissingNode() || value.isNull()) {
            return 0;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw new InvalidPayload(field + " is not an integer");
        }
        return value.asLong();
    }

    private static List<String> strings(JsonNode parent, String field) throws InvalidPayload {
        List<String> out = new ArrayList<>();
        for (JsonNode value : array(parent, field)) {
            if (!value.isTextual()) {
                throw new InvalidPayload(field + " holds a non-string");
            }
            out.add(value.asText());
        }
        return out;
    }
}
