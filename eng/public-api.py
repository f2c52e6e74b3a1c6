#!/usr/bin/env python3
"""Records each package's public API in its PublicAPI.Unshipped.txt (./build.sh api).

Builds every project that has PublicAPI files and applies what the PublicApiAnalyzers report: a symbol the files
lack (RS0016) is added to PublicAPI.Unshipped.txt; a recorded symbol that is gone (RS0017) is removed from it, or,
when it was shipped, marked *REMOVED* there. Reads the compiler's diagnostics rather than running code fixes, so that
generated code (Mall.Client's) is covered too. Review the diff like code: it is the change to the public surface.
"""
import pathlib, re, subprocess, sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
# Dependencies first: a project's API can only be read once what it builds on compiles.
ORDER = ["Mall.Core", "Mall.Plugins.Sdk", "Mall.Data.Sqlite", "Mall.Data.MySql", "Mall.Data.PostgreSql", "Mall.Redis", "Mall.Web", "Mall.Client", "Mall.Admin"]
ADDED = re.compile(r"RS0016: Symbol '(.+?)' is not part of the declared (?:public )?API")
GONE = re.compile(r"RS0017: Symbol '(.+?)' is part of the declared API, but is either not public or could not be found")

def update(name):
    folder = ROOT / "src" / name
    shipped = (folder / "PublicAPI.Shipped.txt").read_text().splitlines()
    unshipped_file = folder / "PublicAPI.Unshipped.txt"
    unshipped = unshipped_file.read_text().splitlines()
    build = subprocess.run(["dotnet", "build", str(folder / f"{name}.csproj"), "-c", "Release", "--no-incremental",
                            "-p:BuildProjectReferences=false", "-nologo", "-v", "q"], capture_output=True, text=True)
    output = build.stdout + build.stderr
    added, gone = set(ADDED.findall(output)), set(GONE.findall(output))
    if not added and not gone:
        return False
    lines = [l for l in unshipped if l.strip() and l != "#nullable enable" and l not in gone]
    lines += ["*REMOVED*" + s for s in gone if s in shipped]
    lines += [s for s in added if s not in lines]
    unshipped_file.write_text("#nullable enable\n" + "\n".join(sorted(set(lines), key=lambda l: l.removeprefix("*REMOVED*"))) + "\n")
    print(f"{name}: {len(added)} added, {len(gone)} removed")
    return True

changed = True
while changed:
    changed = False
    for project in ORDER:
        if (ROOT / "src" / project / "PublicAPI.Unshipped.txt").exists():
            changed |= update(project)
sys.exit(0)
