using System.Collections;
using System.Reflection;
using System.Reflection.Metadata;
using Microsoft.Extensions.Logging;

namespace Mall.Web.Plugins;

/// <summary>
/// Empties the framework's reflection caches after a plugin is unloaded. System.Text.Json, TypeDescriptor and
/// minimal APIs cache metadata per type in statics; an entry for a plugin type keeps the plugin's load context
/// alive. The framework clears these caches for Hot Reload through <see cref="MetadataUpdateHandlerAttribute"/>
/// handlers; we call the same handlers. Minimal APIs' parameter-binding cache has no handler, so its entries of
/// collectible types are removed directly.
/// </summary>
internal static class HostTypeCaches
{
    public static void Clear(ILogger logger)
    {
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (assembly.IsCollectible || assembly.IsDynamic) continue;
            foreach (var handler in assembly.GetCustomAttributes<MetadataUpdateHandlerAttribute>())
            {
                var clear = handler.HandlerType.GetMethod("ClearCache", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic, [typeof(Type[])]);
                try
                {
                    clear?.Invoke(null, [null]);
                }
                catch (TargetInvocationException ex)
                {
                    logger.LogDebug(ex.InnerException, "Cache handler {Handler} failed.", handler.HandlerType.FullName);
                }
            }
        }
        // No handlers: minimal APIs' parameter-binding cache, and TypeDescriptor's per-type tables (Json.NET fills them).
        Trim(Type.GetType("Microsoft.AspNetCore.Http.ParameterBindingMethodCache, Microsoft.AspNetCore.Http.Extensions"), logger);
        Trim(typeof(System.ComponentModel.TypeDescriptor), logger);
    }

    /// <summary>Removes collectible-type keys from the dictionaries reachable (a few fields deep) from the statics of <paramref name="root"/>.</summary>
    private static void Trim(Type? root, ILogger logger)
    {
        if (root is null) return;
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        foreach (var field in root.GetFields(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public))
        {
            if (field.IsLiteral) continue;
            Visit(field.GetValue(null), depth: 0);
        }

        void Visit(object? value, int depth)
        {
            if (value is null || depth > 4 || value is string || value is Type || value.GetType().IsPrimitive || !seen.Add(value)) return;
            if (value.GetType().IsGenericType && value.GetType().GetGenericTypeDefinition() == typeof(Lazy<>))
            {
                if (value.GetType().GetProperty("IsValueCreated")!.GetValue(value) is true) Visit(value.GetType().GetProperty("Value")!.GetValue(value), depth + 1);
                return;
            }
            if (value is IDictionary dictionary)
            {
                try
                {
                    // Concurrent dictionaries are safe to change as they are. The others (Hashtables) allow one writer beside
                    // readers; an owner writing at this very moment could collide, which is why this runs only at unload.
                    var gate = dictionary is ICollection { IsSynchronized: false } && !dictionary.GetType().Name.StartsWith("Concurrent", StringComparison.Ordinal)
                        ? dictionary.SyncRoot
                        : new object();
                    lock (gate)
                    {
                        foreach (var key in dictionary.Keys.Cast<object>().Where(k => k is Type { Assembly.IsCollectible: true }).ToList())
                            dictionary.Remove(key);
                        foreach (var item in dictionary.Values.Cast<object?>().ToList()) Visit(item, depth + 1);
                    }
                }
                catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException)
                {
                    logger.LogDebug(ex, "Could not trim a cache of {Root}.", root.FullName);
                }
                return;
            }
            if (value.GetType().Assembly != root.Assembly) return;
            foreach (var field in value.GetType().GetFields(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public))
                if (!field.FieldType.IsValueType) Visit(field.GetValue(value), depth + 1);
        }
    }
}
