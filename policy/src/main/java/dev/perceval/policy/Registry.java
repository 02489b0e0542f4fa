package dev.perceval.policy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Named factories of one kind of component, as verl's {@code core_algos.py} registers advantage
 * estimators and policy losses: {@code name -> factory(config)}. Configs and requests name a
 * component; the registry builds it and refuses an unknown name with the names it knows.
 *
 * @param <C> what a factory is given (a spec section, a world config, ...)
 * @param <T> what it builds
 */
public final class Registry<C, T> {
  private final String what;
  private final Map<String, Function<C, T>> factories = new LinkedHashMap<>();

  /** @param what the kind, as an error names it ("advantage estimator") */
  public Registry(String what) {
    this.what = what;
  }

  /** Registers {@code name}; a name is registered once. */
  public Registry<C, T> register(String name, Function<C, T> factory) {
    if (factories.putIfAbsent(name, factory) != null) {
      throw new IllegalStateException(what + " '" + name + "' is registered twice");
    }
    return this;
  }

  /** Builds the component registered as {@code name} from {@code config}. */
  public T create(String name, C config) {
    Function<C, T> factory = factories.get(name);
    if (factory == null) {
      throw new IllegalArgumentException("unknown " + what + " '" + name + "' (known: "
          + String.join(", ", factories.keySet()) + ")");
    }
    return factory.apply(config);
  }

  public boolean contains(String name) {
    return factories.containsKey(name);
  }

  /** Registered names, in registration order. */
  public List<String> names() {
    return List.copyOf(factories.keySet());
  }
}
