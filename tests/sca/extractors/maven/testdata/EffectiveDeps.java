// Prints the dependencies of Maven's effective model for each POM given, one per line:
// "<pom> groupId:artifactId version scope optional". It runs Maven's own model builder
// (inheritance, profiles, interpolation, BOM imports, dependency management) offline,
// reading parents and BOMs from ~/.m2/repository.
//
// Regenerate multimodule/maven-effective.txt (Maven 3.8.7, Java 17; the
// jackson and junit BOMs must be in the local repository, as after one online build):
//   CP=$(ls "$MAVEN_HOME"/lib/*.jar | tr '\n' ':')
//   javac -d "$OUT" -cp "$CP" EffectiveDeps.java
//   cd multimodule && java -cp "$CP:$OUT" EffectiveDeps \
//       pom.xml lib/pom.xml app/pom.xml > maven-effective.txt
import java.io.File;
import org.apache.maven.model.Dependency;
import org.apache.maven.model.Parent;
import org.apache.maven.model.Repository;
import org.apache.maven.model.building.DefaultModelBuilderFactory;
import org.apache.maven.model.building.DefaultModelBuildingRequest;
import org.apache.maven.model.building.FileModelSource;
import org.apache.maven.model.building.ModelBuildingRequest;
import org.apache.maven.model.building.ModelSource;
import org.apache.maven.model.resolution.ModelResolver;
import org.apache.maven.model.resolution.UnresolvableModelException;

public class EffectiveDeps {
    static final File REPOSITORY = new File(System.getProperty("user.home"), ".m2/repository");

    static class LocalResolver implements ModelResolver {
        public ModelSource resolveModel(String g, String a, String v)
                throws UnresolvableModelException {
            File pom = new File(REPOSITORY,
                    g.replace('.', '/') + "/" + a + "/" + v + "/" + a + "-" + v + ".pom");
            if (!pom.isFile()) {
                throw new UnresolvableModelException("not in the local repository", g, a, v);
            }
            return new FileModelSource(pom);
        }

        public ModelSource resolveModel(Parent p) throws UnresolvableModelException {
            return resolveModel(p.getGroupId(), p.getArtifactId(), p.getVersion());
        }

        public ModelSource resolveModel(Dependency d) throws UnresolvableModelException {
            return resolveModel(d.getGroupId(), d.getArtifactId(), d.getVersion());
        }

        public void addRepository(Repository repository) {}

        public void addRepository(Repository repository, boolean replace) {}

        public ModelResolver newCopy() {
            return this;
        }
    }

    public static void main(String[] args) throws Exception {
        for (String path : args) {
            DefaultModelBuildingRequest request = new DefaultModelBuildingRequest();
            request.setPomFile(new File(path));
            request.setModelResolver(new LocalResolver());
            request.setValidationLevel(ModelBuildingRequest.VALIDATION_LEVEL_MINIMAL);
            request.setSystemProperties(System.getProperties());
            request.setProcessPlugins(false);
            for (Dependency d : new DefaultModelBuilderFactory().newInstance().build(request)
                    .getEffectiveModel().getDependencies()) {
                System.out.println(path + " " + d.getGroupId() + ":" + d.getArtifactId() + " "
                        + d.getVersion() + " " + d.getScope() + " " + d.isOptional());
            }
        }
    }
}
