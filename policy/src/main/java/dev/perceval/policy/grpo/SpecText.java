package dev.perceval.policy.grpo;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigIncludeContext;
import com.typesafe.config.ConfigIncluder;
import com.typesafe.config.ConfigIncluderClasspath;
import com.typesafe.config.ConfigIncluderFile;
import com.typesafe.config.ConfigIncluderURL;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import java.io.File;
import java.net.URL;

/**
 * HOCON read as data: every {@code include} (plain, {@code file()}, {@code url()},
 * {@code classpath()}) is refused. Typesafe Config hands file, URL and classpath includes to its
 * own loaders unless the includer handles each form, so this one implements all four.
 */
final class SpecText {
  private SpecText() {}

  static Config parse(String text, String origin) {
    return ConfigFactory.parseString(text, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF)
        .setOriginDescription(origin).setIncluder(new Refusing()));
  }

  private static final class Refusing
      implements ConfigIncluder, ConfigIncluderFile, ConfigIncluderURL, ConfigIncluderClasspath {
    @Override
    public ConfigIncluder withFallback(ConfigIncluder fallback) {
      return this;
    }

    @Override
    public ConfigObject include(ConfigIncludeContext context, String what) {
      throw refused();
    }

    @Override
    public ConfigObject includeFile(ConfigIncludeContext context, File what) {
      throw refused();
    }

    @Override
    public ConfigObject includeURL(ConfigIncludeContext context, URL what) {
      throw refused();
    }

    @Override
    public ConfigObject includeResources(ConfigIncludeContext context, String what) {
      throw refused();
    }

    private static ConfigException refused() {
      // The target is not echoed: whether it exists is none of the sender's business.
      return new ConfigException.Generic("include is not allowed in a campaign spec (a spec is data)");
    }
  }
}
