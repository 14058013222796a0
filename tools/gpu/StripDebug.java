import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Drops the debug attributes (line numbers, local variable tables) of every class file under the given folders, in
 * place: used by tools/gpu/pack-server.sh on the third-party classes of the GPU pack (they shrink by about a fifth;
 * their stack traces lose line numbers). Run with the source launcher: java tools/gpu/StripDebug.java DIR...
 */
public class StripDebug {
    public static void main(String[] args) throws Exception {
        ClassFile cf = ClassFile.of(ClassFile.DebugElementsOption.DROP_DEBUG, ClassFile.LineNumbersOption.DROP_LINE_NUMBERS);
        int count = 0;
        for (String dir : args) {
            List<Path> classes;
            try (var files = Files.walk(Path.of(dir))) {
                classes = files.filter(p -> p.toString().endsWith(".class")).toList();
            }
            count += classes.size();
            for (Path p : classes) {
                byte[] original = Files.readAllBytes(p);
                try {
                    Files.write(p, cf.transformClass(cf.parse(original), ClassTransform.transformingMethodBodies(CodeTransform.ACCEPT_ALL)));
                } catch (IllegalArgumentException | UnsupportedOperationException e) {
                    System.err.println("StripDebug: left " + p + " as it was (" + e.getMessage() + ")");
                }
            }
        }
        System.err.println("StripDebug: " + count + " class files under " + args.length + " folders");
    }
}
