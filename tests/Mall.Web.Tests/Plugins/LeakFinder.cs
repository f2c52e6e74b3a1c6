using System.Collections;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace Mall.Web.Tests.Plugins;

/// <summary>
/// Explains a plugin that was not collected: walks the statics of every non-collectible assembly (a few references
/// deep) and lists the paths that reach a type, member, object or load context of a collectible assembly.
/// </summary>
public static class LeakFinder
{
    public static List<string> Find(int maxDepth = 6, int maxResults = 20)
    {
        var results = new List<string>();
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies().Where(a => !a.IsCollectible && !a.IsDynamic))
        {
            Type[] types;
            try { types = assembly.GetTypes(); } catch (ReflectionTypeLoadException e) { types = e.Types.Where(t => t is not null).ToArray()!; }
            foreach (var type in types)
            {
                if (type.ContainsGenericParameters) continue;
                FieldInfo[] fields;
                try { fields = type.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly); } catch { continue; }
                foreach (var field in fields)
                {
                    if (field.IsLiteral) continue;
                    object? value;
                    try { value = field.GetValue(null); } catch { continue; }
                    Walk(value, $"{type.FullName}.{field.Name}", 0);
                    if (results.Count >= maxResults) return results;
                }
            }
        }
        return results;

        void Walk(object? value, string path, int depth)
        {
            if (value is null || results.Count >= maxResults) return;
            var t = value.GetType();
            if (value is Type ty) { if (ty.Assembly.IsCollectible) results.Add(path + " = Type " + ty.FullName); return; }
            if (t.Assembly.IsCollectible) { results.Add(path + " : " + t.FullName); return; }
            if (value is MemberInfo mi) { if (mi.Module.Assembly.IsCollectible) results.Add(path + " = member " + mi); return; }
            if (value is Assembly asm) { if (asm.IsCollectible) results.Add(path + " = assembly " + asm.FullName); return; }
            if (value is System.Runtime.Loader.AssemblyLoadContext alc) { if (alc.IsCollectible) results.Add(path + " = ALC " + alc.Name); return; }
            if (depth >= maxDepth || t.IsPrimitive || value is string || t.IsPointer) return;
            if (!t.IsValueType && !seen.Add(value)) return;
            if (value is IEnumerable enumerable && value is not string)
            {
                var i = 0;
                try
                {
                    foreach (var item in enumerable)
                    {
                        if (i++ > 5000) break;
                        Walk(item, path + "[]", depth + 1);
                    }
                }
                catch { }
            }
            for (var current = t; current is not null && current != typeof(object); current = current.BaseType)
                foreach (var f in current.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                {
                    if (f.FieldType.IsPrimitive || f.FieldType.IsPointer || f.FieldType.IsByRefLike) continue;
                    object? v;
                    try { v = f.GetValue(value); } catch { continue; }
                    Walk(v, path + "." + f.Name, depth + 1);
                }
        }
    }
}
