package dev.perceval.policy.grpo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A spec is data: it cannot read the node's environment or files, whoever sends it. */
class CampaignSpecDataTest {
  static final String VALID = "policy = p, verifier = oracle, ";

  @Test
  void anEnvironmentVariableIsNotSubstitutedAndItsValueNotEchoed() {
    // PATH is set in every environment this runs in; its value must not reach the caller.
    String path = System.getenv("PATH");
    assertTrue(path != null && !path.isEmpty());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CampaignSpec.parse("verifier = oracle, policy = ${PATH}"));
    assertTrue(e.getMessage().contains("cannot read the environment"), e.getMessage());
    assertFalse(e.getMessage().contains(path), e.getMessage());
  }

  @Test
  void aSystemPropertyIsNotSubstitutedEither() {
    String home = System.getProperty("java.home");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CampaignSpec.parse(VALID + "name = ${java.home}"));
    assertFalse(e.getMessage().contains(home), e.getMessage());
    // An optional substitution of the environment resolves to nothing, not to its value.
    assertEquals("campaign", CampaignSpec.parse(VALID + "name = ${?PATH}").name());
  }

  @Test
  void aSubstitutionOfTheSpecsOwnKeyStillWorks() {
    assertEquals("p", CampaignSpec.parse(VALID + "name = ${policy}").name());
  }

  @ParameterizedTest
  @ValueSource(strings = {"include \"%s\"", "include file(\"%s\")", "include url(\"file://%s\")",
      "include classpath(\"campaign-reference.conf\")", "include required(file(\"%s\"))",
      "data { include file(\"%s\") }"})
  void everyFormOfIncludeIsRefusedWithoutSayingWhetherTheFileExists(String form, @TempDir Path dir)
      throws Exception {
    Path secret = Files.writeString(dir.resolve("secret.conf"), "name = leaked");
    Path missing = dir.resolve("missing.conf");
    String there = form.formatted(secret);
    String absent = form.formatted(missing);
    IllegalArgumentException a = assertThrows(IllegalArgumentException.class,
        () -> CampaignSpec.parse(VALID + "\n" + there));
    IllegalArgumentException b = assertThrows(IllegalArgumentException.class,
        () -> CampaignSpec.parse(VALID + "\n" + absent));
    assertTrue(a.getMessage().contains("include is not allowed"), a.getMessage());
    assertEquals(a.getMessage().replace(secret.toString(), "X"), b.getMessage().replace(missing.toString(), "X"));
    // A spec file from the CLI is data too unless the operator trusts it.
    Path file = Files.writeString(dir.resolve("spec.conf"), VALID + "\n" + there);
    assertThrows(IllegalArgumentException.class, () -> CampaignSpec.load(file, false));
  }

  @Test
  void aTrustedFileMayIncludeAndReadTheEnvironment(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("base.conf"), "policy = p\nverifier = oracle\nname = from-base");
    Path spec = Files.writeString(dir.resolve("spec.conf"), "include \"base.conf\"\nout = ${?PATH}");
    CampaignSpec s = CampaignSpec.load(spec, true);
    assertEquals("from-base", s.name());
    assertEquals(System.getenv("PATH"), s.out());
  }

  @Test
  void overridesAreDataToo() {
    CampaignSpec s = CampaignSpec.parse(VALID + "name = n");
    assertThrows(IllegalArgumentException.class, () -> s.with(java.util.Map.of("name", "${PATH}")));
  }
}
